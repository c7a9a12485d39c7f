-- One row per fee on an invoice: frozen lines of finalized invoices, recomputed lines of
-- drafts; with its coupon share, taxable base and taxes (unrounded; the invoice rounds its
-- tax once, see fct_invoice_taxes).
with finalized_fees as (
    select * from {{ ref('fct_finalized_invoice_fees') }}
),

finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

invoice_fee_amounts as (
    select * from {{ ref('int_billing__invoice_fee_amounts') }}
),

draft_fees as (
    select
        fee_id, invoice_id, external_customer_id, external_subscription_id, billing_entity_code,
        currency, fee_type, plan_code, charge_lago_id, billable_metric_code, charge_filter_index,
        grouped_by, description, units, events_count, service_start_date, service_end_date,
        period_from_at, period_to_at, precise_amount_minor, amount_minor,
        precise_coupon_share_minor, precise_taxable_base_minor, precise_tax_amount_minor,
        tax_codes, precise_total_amount_minor
    from invoice_fee_amounts
    where not exists (
        select 1 from finalized_invoices where finalized_invoices.invoice_id = invoice_fee_amounts.invoice_id
    )
),

final as (
    select *, 'finalized' as invoice_status from finalized_fees
    union all
    select *, 'draft' as invoice_status from draft_fees
)

select * from final
