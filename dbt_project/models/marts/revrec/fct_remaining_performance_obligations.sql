-- Remaining performance obligations at each month end and at the report date: per contract,
-- the target schedule's amounts (fct_revenue_schedule's days, as restated now) of POs billed
-- on or before that date (invoice date ≤ date) for service days after it. Unbilled contract
-- value (future invoices, unbilled usage) is not included, nor are a draft's POs (A4.4): what
-- they earn up to the date is unbilled receivable, the rest is billed only when the draft is
-- finalized (then it counts from its issuing date). Next 12 months = service days
-- in (date, date + 12 months] (a month end's window ends on a month end); later = after.
with performance_obligations as (
    select * from {{ ref('int_revrec__performance_obligations') }}
    where is_finalized
),

schedule_days as (
    select * from {{ ref('int_revrec__schedule_days') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

scheduled as (
    select
        performance_obligations.contract_id,
        performance_obligations.billing_entity_code,
        performance_obligations.currency,
        performance_obligations.issuing_date,
        schedule_days.service_date,
        sum(schedule_days.amount_minor) as amount_minor
    from schedule_days
    inner join performance_obligations on schedule_days.po_id = performance_obligations.po_id
    group by
        performance_obligations.contract_id, performance_obligations.billing_entity_code,
        performance_obligations.currency, performance_obligations.issuing_date, schedule_days.service_date
),

first_month as (
    select cast({{ dbt.date_trunc('month', 'min(issuing_date)') }} as date) as first_month_start
    from performance_obligations
),

as_of_dates as (
    select
        {{ revrec_month_end(dbt.dateadd('month', 'offsets.n', 'first_month.first_month_start')) }} as as_of_date
    from first_month
    cross join ({{ integers(3) }}) as offsets
    cross join report_date
    where {{ revrec_month_end(dbt.dateadd('month', 'offsets.n', 'first_month.first_month_start')) }} < report_date.report_date
    union all
    select report_date from report_date
),

windows as (
    select
        as_of_date,
        case
            when as_of_date = {{ revrec_month_end('as_of_date') }}
                then {{ revrec_month_end(dbt.dateadd('month', 12, 'as_of_date')) }}
            else cast({{ dbt.dateadd('month', 12, 'as_of_date') }} as date)
        end as next_12_months_end
    from as_of_dates
),

final as (
    select
        windows.as_of_date,
        scheduled.contract_id,
        scheduled.billing_entity_code,
        scheduled.currency,
        cast(sum(case when scheduled.service_date <= windows.next_12_months_end then scheduled.amount_minor else 0 end) as bigint) as next_12_months_minor,
        cast(sum(case when scheduled.service_date > windows.next_12_months_end then scheduled.amount_minor else 0 end) as bigint) as later_minor,
        cast(sum(scheduled.amount_minor) as bigint) as total_minor
    from scheduled
    inner join windows
        on scheduled.issuing_date <= windows.as_of_date
        and scheduled.service_date > windows.as_of_date
    group by windows.as_of_date, scheduled.contract_id, scheduled.billing_entity_code, scheduled.currency
    having sum(scheduled.amount_minor) <> 0
)

select * from final
