{{ config(meta={'dagster': {'ref': {'name': 'fct_parallel_run_summary'}}}) }}
-- Shadow billing's amounts add up (docs/assurance.md §5): per currency, the revhouse and the
-- incumbent amounts of fct_shadow_billing_lines sum to the billing marts' fees (non-voided
-- invoices) and to the billed lines (coupons and voided invoices aside), and the parallel-run
-- summary sums to the mart's rows inside the run. Returns the currencies that do not add up.
with revhouse_source as (
    select fees.currency, sum(fees.amount_minor) as amount_minor
    from {{ ref('fct_invoice_fees') }} as fees
    inner join {{ ref('fct_invoices') }} as invoices on fees.invoice_id = invoices.invoice_id
    where {{ shadow_is_revhouse_fee('invoices') }}
    group by fees.currency
),

incumbent_source as (
    select coalesce(lines.currency, invoices.currency) as currency, sum(lines.amount_minor) as amount_minor
    from {{ ref('stg_billed__invoice_lines') }} as lines
    inner join {{ ref('stg_billed__invoices') }} as invoices on lines.invoice_id = invoices.invoice_id
    where {{ shadow_is_billed_line('lines', 'invoices') }}
    group by coalesce(lines.currency, invoices.currency)
),

shadow as (
    select
        currency,
        sum(coalesce(revhouse_amount_minor, 0)) as revhouse_amount_minor,
        sum(coalesce(incumbent_amount_minor, 0)) as incumbent_amount_minor,
        sum(case when is_in_parallel_run then coalesce(revhouse_amount_minor, 0) else 0 end) as run_revhouse_amount_minor,
        sum(case when is_in_parallel_run then coalesce(incumbent_amount_minor, 0) else 0 end) as run_incumbent_amount_minor
    from {{ ref('fct_shadow_billing_lines') }}
    group by currency
),

summary as (
    select
        currency,
        sum(revhouse_amount_minor) as revhouse_amount_minor,
        sum(incumbent_amount_minor) as incumbent_amount_minor
    from {{ ref('fct_parallel_run_summary') }}
    group by currency
),

currencies as (
    select currency from revhouse_source
    union
    select currency from incumbent_source
    union
    select currency from shadow
),

final as (
    select
        currencies.currency,
        coalesce(revhouse_source.amount_minor, 0) as revhouse_source_minor,
        coalesce(shadow.revhouse_amount_minor, 0) as revhouse_shadow_minor,
        coalesce(incumbent_source.amount_minor, 0) as incumbent_source_minor,
        coalesce(shadow.incumbent_amount_minor, 0) as incumbent_shadow_minor,
        coalesce(shadow.run_revhouse_amount_minor, 0) as run_revhouse_minor,
        coalesce(summary.revhouse_amount_minor, 0) as summary_revhouse_minor,
        coalesce(shadow.run_incumbent_amount_minor, 0) as run_incumbent_minor,
        coalesce(summary.incumbent_amount_minor, 0) as summary_incumbent_minor
    from currencies
    left join revhouse_source on currencies.currency = revhouse_source.currency
    left join incumbent_source on currencies.currency = incumbent_source.currency
    left join shadow on currencies.currency = shadow.currency
    left join summary on currencies.currency = summary.currency
)

select * from final
where revhouse_source_minor <> revhouse_shadow_minor
    or incumbent_source_minor <> incumbent_shadow_minor
    or run_revhouse_minor <> summary_revhouse_minor
    or run_incumbent_minor <> summary_incumbent_minor
