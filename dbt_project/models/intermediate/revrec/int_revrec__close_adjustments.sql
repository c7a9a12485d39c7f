{#- A10 adjustments: for every PO and frozen closed period P, the target schedule's revenue of
    P (fct_revenue_schedule's days, as restated now) minus what is posted with period_of_origin
    P (the frozen postings: P's own recognition and catch-ups, and adjustments for P frozen
    in later closed periods). A non-zero difference is one 'adjustment' row, positive =
    revenue, negative = contra revenue, posted on max(its event date, first day of the first
    open period after P), period_of_origin P. Links: po_id and its document_id (links_to), and
    as change_id / source_id the PO's latest change (issued_on, then change_id) when it has
    one, else its invoice; the event date is that change's issued_on, else the PO's invoice
    date (A10 example: a 30.00 corrective invoice of 9 July for 27 June → 9 July), when on or
    before the report date. A PO that vanished from the target keeps its posted revenue until
    reversed here. If every period up to the report date is closed, an adjustment is dated in
    the first open period after it. -#}
with closed_periods as (
    select * from {{ ref('int_revrec__closed_periods') }}
    where is_frozen
),

frozen_postings as (
    {{ frozen_rows('fct_frozen_postings', revrec_posting_columns(), 'frozen_revrec_state') }}
),

schedule_days as (
    select * from {{ ref('int_revrec__schedule_days') }}
),

performance_obligations as (
    select * from {{ ref('int_revrec__performance_obligations') }}
),

po_changes as (
    select * from {{ ref('int_revrec__po_changes') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

target as (
    select
        schedule_days.po_id,
        performance_obligations.billing_entity_code,
        {{ revrec_period('schedule_days.service_date') }} as period_of_origin,
        schedule_days.amount_minor
    from schedule_days
    inner join performance_obligations on schedule_days.po_id = performance_obligations.po_id
    cross join report_date
    where schedule_days.service_date <= report_date.report_date
),

deltas as (
    select po_id, billing_entity_code, period_of_origin, amount_minor
    from target
    union all
    select po_id, billing_entity_code, period_of_origin, -recognized_delta_minor as amount_minor
    from frozen_postings
    where po_id is not null and recognized_delta_minor <> 0
),

differences as (
    select
        deltas.po_id,
        deltas.billing_entity_code,
        deltas.period_of_origin,
        closed_periods.first_open_period_start,
        sum(deltas.amount_minor) as amount_minor
    from deltas
    inner join closed_periods
        on deltas.billing_entity_code = closed_periods.billing_entity_code
        and deltas.period_of_origin = closed_periods.period
    group by deltas.po_id, deltas.billing_entity_code, deltas.period_of_origin, closed_periods.first_open_period_start
    having sum(deltas.amount_minor) <> 0
),

-- what a PO that is no longer in the target was posted with
posted_po as (
    select
        po_id,
        max(contract_id) as contract_id,
        max(document_id) as document_id,
        max(external_customer_id) as external_customer_id,
        max(currency) as currency,
        min(document_rate_date) as issuing_date
    from frozen_postings
    where po_id is not null
    group by po_id
),

latest_changes as (
    select po_id, change_id, issued_on
    from (
        select
            po_changes.*,
            row_number() over (partition by po_changes.po_id order by po_changes.issued_on desc, po_changes.change_id desc) as change_rank
        from po_changes
    ) as ranked
    where change_rank = 1
),

described as (
    select
        differences.*,
        coalesce(performance_obligations.contract_id, posted_po.contract_id) as contract_id,
        coalesce(performance_obligations.document_id, posted_po.document_id) as document_id,
        coalesce(performance_obligations.external_customer_id, posted_po.external_customer_id) as external_customer_id,
        coalesce(performance_obligations.currency, posted_po.currency) as currency,
        coalesce(performance_obligations.issuing_date, posted_po.issuing_date) as issuing_date,
        latest_changes.change_id,
        case
            when coalesce(latest_changes.issued_on, performance_obligations.issuing_date) <= report_date.report_date
                then coalesce(latest_changes.issued_on, performance_obligations.issuing_date)
        end as event_date
    from differences
    cross join report_date
    left join performance_obligations on differences.po_id = performance_obligations.po_id
    left join posted_po on differences.po_id = posted_po.po_id
    left join latest_changes on differences.po_id = latest_changes.po_id
),

dated as (
    select
        described.*,
        case
            when described.event_date > described.first_open_period_start then described.event_date
            else described.first_open_period_start
        end as posting_date
    from described
),

final as (
    select
        'adjustment:' || po_id || ':' || period_of_origin || ':' || {{ revrec_period('posting_date') }} as posting_id,
        'adjustment' as posting_kind,
        contract_id,
        po_id,
        document_id,
        change_id,
        external_customer_id,
        billing_entity_code,
        currency,
        coalesce(event_date, posting_date) as event_date,
        posting_date,
        {{ revrec_period('posting_date') }} as posting_period,
        period_of_origin,
        true as is_adjustment,
        cast(0 as bigint) as billed_delta_minor,
        cast(amount_minor as bigint) as recognized_delta_minor,
        cast(case when amount_minor < 0 then -amount_minor else 0 end as bigint) as contra_delta_minor,
        cast(0 as bigint) as tax_delta_minor,
        cast(0 as bigint) as ar_delta_minor,
        least(issuing_date, posting_date) as document_rate_date,
        cast(0 as bigint) as cash_delta_minor,
        'adjustment after the close of ' || period_of_origin || ': restated target minus posted for ' || po_id as memo,
        coalesce(change_id, document_id) as source_id,
        cast(0 as bigint) as prepaid_credit_delta_minor
    from dated
)

select * from final
