-- The same charge billed twice (docs/assurance.md §3, rule `duplicates`, reason
-- duplicate_invoice_charge): one subscription × plan × charge key (plan fee, metric, add-on,
-- commitment) × service period on lines of two invoices under review, or more often on one
-- invoice than its plan has fees for it.
-- A line of another plan is never a duplicate (an upgrade's month-end invoice carries the old
-- plan's closing fees beside the new plan's; their periods may share the upgrade day), and
-- only identical service periods count, never an overlap.
-- Across invoices the first invoice by (issuing date, number, id) is the original, every later
-- one carrying the same key is a duplicate of it. On one invoice, a charge the catalog splits
-- (charge filters or pricing group keys: one fee per filter or group, and the incumbent's lines
-- do not say which) is left out; otherwise lines beyond the number of fees the plan makes for
-- that metric (one per charge, plus a true-up for a charge with a minimum; one plan fee) are
-- duplicates, the largest lines kept as the originals.
-- Not a duplicate what a credit note cancels: the amount of every credit note item (excl. tax,
-- `billed` notes not voided, revhouse's applied ones) on the lines of the key is taken off; a
-- voided invoice is not under review at all. One finding per duplicate invoice × subscription ×
-- original invoice; amount = the duplicated line amounts excl. tax, less what was credited.
with review_lines as (
    select * from {{ ref('int_assurance__review_invoice_lines') }}
    where fee_type in ('subscription', 'charge', 'add_on', 'commitment')
        and external_subscription_id is not null
        and service_from_date is not null
),

review_invoices as (
    select * from {{ ref('int_assurance__review_invoices') }}
),

billed_credit_notes as (
    select * from {{ ref('stg_billed__credit_notes') }}
),

billed_credit_note_items as (
    select * from {{ ref('stg_billed__credit_note_items') }}
),

credit_notes as (
    select * from {{ ref('fct_credit_notes') }}
),

charges as (
    select * from {{ ref('stg_lago__charges') }}
),

charge_filters as (
    select * from {{ ref('stg_lago__charge_filters') }}
),

credited_lines as (
    select line_id, sum(credited_amount_minor) as credited_amount_minor
    from (
        select
            billed_credit_note_items.credited_line_id as line_id,
            billed_credit_note_items.amount_minor as credited_amount_minor
        from billed_credit_note_items
        inner join billed_credit_notes on billed_credit_note_items.credit_note_id = billed_credit_notes.credit_note_id
        where billed_credit_notes.status not in ('voided', 'void')
            and billed_credit_note_items.credited_line_id is not null
        union all
        select
            credited_fee_id as line_id,
            credit_sub_total_amount_minor as credited_amount_minor
        from credit_notes
        where is_applied
            and credit_note_source <> 'lago_import'
            and credited_fee_id is not null
    ) items
    group by line_id
),

-- how many fees a plan makes for a metric at most, and whether it splits them by filter or group
charge_counts as (
    select
        charges.plan_code,
        charges.billable_metric_code as charge_key,
        -- a charge with a minimum makes one more fee when under it: its true-up
        count(*) + sum(case when charges.min_amount_minor > 0 then 1 else 0 end) as charges_count,
        max(case
            when nullif(charges.pricing_group_keys, '') is not null then 1
            when exists (select 1 from charge_filters where charge_filters.charge_lago_id = charges.charge_lago_id) then 1
            else 0
        end) as is_split
    from charges
    group by charges.plan_code, charges.billable_metric_code
),

lines as (
    select
        review_lines.*,
        review_invoices.issuing_date,
        coalesce(credited_lines.credited_amount_minor, 0) as credited_amount_minor,
        dense_rank() over (
            partition by review_lines.external_subscription_id, review_lines.plan_code, review_lines.charge_key,
                review_lines.service_from_date, review_lines.service_to_date
            order by review_invoices.issuing_date, review_lines.invoice_number, review_lines.invoice_id
        ) as invoice_rank
    from review_lines
    inner join review_invoices on review_lines.invoice_id = review_invoices.invoice_id
    left join credited_lines on review_lines.line_id = credited_lines.line_id
),

originals as (
    select
        external_subscription_id, plan_code, charge_key, service_from_date, service_to_date,
        min(invoice_id) as original_invoice_id,
        min(invoice_number) as original_invoice_number,
        sum(credited_amount_minor) as credited_amount_minor
    from lines
    where invoice_rank = 1
    group by external_subscription_id, plan_code, charge_key, service_from_date, service_to_date
),

-- later invoices' lines of a key the first invoice already billed
cross_invoice as (
    select
        lines.invoice_id,
        lines.external_subscription_id,
        originals.original_invoice_id,
        originals.original_invoice_number,
        lines.charge_key,
        lines.service_from_date,
        lines.service_to_date,
        lines.amount_minor,
        lines.credited_amount_minor + originals.credited_amount_minor as credited_amount_minor,
        lines.line_id
    from lines
    inner join originals
        on lines.external_subscription_id = originals.external_subscription_id
        and coalesce(lines.plan_code, '') = coalesce(originals.plan_code, '')
        and lines.charge_key = originals.charge_key
        and lines.service_from_date = originals.service_from_date
        and lines.service_to_date = originals.service_to_date
    where lines.invoice_rank > 1
),

ranked_within as (
    select
        lines.*,
        count(*) over (partition by lines.invoice_id, lines.external_subscription_id, lines.plan_code, lines.charge_key, lines.service_from_date, lines.service_to_date)
            as lines_count,
        row_number() over (
            partition by lines.invoice_id, lines.external_subscription_id, lines.plan_code, lines.charge_key, lines.service_from_date, lines.service_to_date
            order by lines.amount_minor desc, lines.line_id
        ) as line_rank,
        case when lines.fee_type = 'subscription' then 1 else coalesce(charge_counts.charges_count, 1) end as expected_lines_count,
        case when lines.fee_type = 'subscription' then 0 else coalesce(charge_counts.is_split, 0) end as is_split
    from lines
    left join charge_counts
        on lines.plan_code = charge_counts.plan_code
        and lines.charge_key = charge_counts.charge_key
    where lines.invoice_rank = 1
),

-- the same key more often on one invoice than the plan has fees for it
within_invoice as (
    select
        ranked_within.invoice_id,
        ranked_within.external_subscription_id,
        ranked_within.invoice_id as original_invoice_id,
        ranked_within.invoice_number as original_invoice_number,
        ranked_within.charge_key,
        ranked_within.service_from_date,
        ranked_within.service_to_date,
        ranked_within.amount_minor,
        ranked_within.credited_amount_minor,
        ranked_within.line_id
    from ranked_within
    where ranked_within.is_split = 0
        and ranked_within.lines_count > ranked_within.expected_lines_count
        and ranked_within.line_rank > ranked_within.expected_lines_count
),

duplicate_lines as (
    select * from cross_invoice
    union all
    select * from within_invoice
),

-- per key first, so a credit note on either side is taken off once
duplicate_keys as (
    select
        invoice_id, external_subscription_id, original_invoice_id, original_invoice_number,
        charge_key, service_from_date,
        sum(amount_minor) - max(credited_amount_minor) as uncancelled_amount_minor,
        {{ dbt.listagg("'int_assurance__review_invoice_lines:' || line_id", "'; '", "order by line_id") }} as evidence
    from duplicate_lines
    group by invoice_id, external_subscription_id, original_invoice_id, original_invoice_number, charge_key, service_from_date
),

grouped as (
    select
        invoice_id, external_subscription_id, original_invoice_id, original_invoice_number,
        min(service_from_date) as first_service_date,
        sum(uncancelled_amount_minor) as amount_minor,
        {{ dbt.listagg('charge_key', "', '", 'order by charge_key') }} as charge_keys,
        {{ dbt.listagg('evidence', "'; '", 'order by charge_key') }} as evidence
    from duplicate_keys
    where uncancelled_amount_minor > 0
    group by invoice_id, external_subscription_id, original_invoice_id, original_invoice_number
),

findings as (
    select
        'duplicate_invoice_charge' as reason_code,
        'high' as severity,
        review_invoices.external_customer_id,
        grouped.external_subscription_id,
        grouped.invoice_id,
        review_invoices.invoice_number,
        review_invoices.is_finalized as invoice_is_finalized,
        cast({{ dbt.date_trunc('month', 'grouped.first_service_date') }} as date) as period_month,
        review_invoices.currency,
        grouped.amount_minor as amount_at_risk_minor,
        'over_billed' as direction,
        'Invoice ' || review_invoices.invoice_number || ' bills ' || grouped.charge_keys || ' of '
            || grouped.external_subscription_id || ' for service periods '
            || case when grouped.original_invoice_id = grouped.invoice_id then 'it already carries'
                else 'invoice ' || grouped.original_invoice_number || ' already billed' end
            || ': ' || cast(grouped.amount_minor as {{ dbt.type_string() }}) || ' '
            || review_invoices.currency || ' minor units excl. tax charged twice, no credit note cancels it' as reason_text,
        grouped.evidence
            || case when grouped.original_invoice_id <> grouped.invoice_id
                then '; int_assurance__review_invoices:' || grouped.original_invoice_id else '' end as evidence,
        review_invoices.issuing_date as detected_on,
        grouped.invoice_id || '|' || grouped.external_subscription_id || '|' || grouped.original_invoice_id as finding_key
    from grouped
    inner join review_invoices on grouped.invoice_id = review_invoices.invoice_id
),

final as (
    {{ assurance_rule_findings('findings', 'duplicates') }}
)

select * from final
