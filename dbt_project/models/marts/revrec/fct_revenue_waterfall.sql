-- A7 revenue waterfall: per PO (its contract, billing month = month its invoice was posted)
-- the revenue of each revenue month: posted revenue (recognition, catch-ups, adjustments, by
-- posting month) up to the report date, then the target schedule's later days by service
-- month, flagged is_scheduled. A draft's PO (A4.4) is billed in its issuing month: billing_month
-- = that month, billed = what the draft bills when finalized, is_billed false.
with postings as (
    select * from {{ ref('int_revrec__postings') }}
),

performance_obligations as (
    select * from {{ ref('int_revrec__performance_obligations') }}
),

po_changes as (
    select * from {{ ref('int_revrec__po_changes') }}
),

schedule_days as (
    select * from {{ ref('int_revrec__schedule_days') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

invoice_postings as (
    select document_id, min(posting_date) as posting_date
    from postings
    where posting_kind = 'invoice'
    group by document_id
),

po_credits as (
    select po_changes.po_id, sum(po_changes.amount_minor) as credited_minor
    from po_changes
    cross join report_date
    where po_changes.issued_on <= report_date.report_date
    group by po_changes.po_id
),

billed_pos as (
    select
        performance_obligations.po_id,
        performance_obligations.contract_id,
        performance_obligations.billing_entity_code,
        performance_obligations.currency,
        cast({{ dbt.date_trunc('month', 'coalesce(invoice_postings.posting_date, performance_obligations.issuing_date)') }} as date) as billing_month,
        performance_obligations.allocated_amount_minor - coalesce(po_credits.credited_minor, 0) as billed_minor,
        performance_obligations.is_finalized as is_billed
    from performance_obligations
    left join invoice_postings on performance_obligations.document_id = invoice_postings.document_id
    left join po_credits on performance_obligations.po_id = po_credits.po_id
),

posted as (
    select
        postings.po_id,
        cast({{ dbt.date_trunc('month', 'postings.posting_date') }} as date) as revenue_month,
        false as is_scheduled,
        sum(postings.recognized_delta_minor) as amount_minor
    from postings
    cross join report_date
    where postings.posting_kind in ('recognition', 'catch_up', 'adjustment')
      and postings.posting_date <= report_date.report_date
    group by postings.po_id, cast({{ dbt.date_trunc('month', 'postings.posting_date') }} as date)
),

scheduled as (
    select
        schedule_days.po_id,
        cast({{ dbt.date_trunc('month', 'schedule_days.service_date') }} as date) as revenue_month,
        true as is_scheduled,
        sum(schedule_days.amount_minor) as amount_minor
    from schedule_days
    cross join report_date
    where schedule_days.service_date > report_date.report_date
    group by schedule_days.po_id, cast({{ dbt.date_trunc('month', 'schedule_days.service_date') }} as date)
),

revenue_months as (
    select * from posted
    union all
    select * from scheduled
),

running as (
    select
        billed_pos.contract_id,
        revenue_months.po_id,
        billed_pos.billing_entity_code,
        billed_pos.currency,
        billed_pos.billing_month,
        revenue_months.revenue_month,
        revenue_months.amount_minor,
        revenue_months.is_scheduled,
        billed_pos.billed_minor,
        billed_pos.is_billed,
        billed_pos.billed_minor - sum(revenue_months.amount_minor) over (
            partition by revenue_months.po_id
            order by revenue_months.revenue_month, revenue_months.is_scheduled
            rows between unbounded preceding and current row
        ) as position_after_minor
    from revenue_months
    inner join billed_pos on revenue_months.po_id = billed_pos.po_id
),

final as (
    select
        contract_id,
        po_id,
        billing_entity_code,
        currency,
        billing_month,
        revenue_month,
        cast(amount_minor as bigint) as amount_minor,
        cast(case when position_after_minor > 0 then position_after_minor else 0 end as bigint) as deferred_after_minor,
        is_scheduled,
        cast(billed_minor as bigint) as billed_minor,
        cast(case when position_after_minor < 0 then -position_after_minor else 0 end as bigint) as unbilled_after_minor,
        is_billed
    from running
)

select * from final
