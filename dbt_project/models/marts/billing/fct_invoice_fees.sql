-- One row per fee on an invoice: frozen lines of finalized invoices, recomputed lines of
-- drafts; with its coupon share, taxable base and taxes (unrounded; the invoice rounds its
-- tax once, see fct_invoice_taxes), and what its proration is made of (billed and
-- full-period days).
with finalized_fees as (
    select * from {{ ref('fct_finalized_invoice_fees') }}
),

finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

invoice_fee_amounts as (
    select * from {{ ref('int_billing__invoice_fee_amounts') }}
),

invoice_fee_days as (
    select * from {{ ref('int_billing__invoice_fee_days') }}
),

{%- set columns = ['fee_id', 'invoice_id', 'external_customer_id', 'external_subscription_id', 'billing_entity_code', 'currency', 'fee_type', 'plan_code', 'charge_lago_id', 'billable_metric_code', 'charge_filter_index', 'grouped_by', 'description', 'units', 'events_count', 'service_start_date', 'service_end_date', 'period_from_at', 'period_to_at', 'precise_amount_minor', 'amount_minor', 'precise_coupon_share_minor', 'precise_taxable_base_minor', 'precise_tax_amount_minor', 'tax_codes', 'precise_total_amount_minor'] %}

-- by name, not select *: in a warehouse frozen before billed_days/full_period_days existed
-- the frozen table has them last, in a new one wherever the model put them
draft_fees as (
    select
        {% for c in columns %}invoice_fee_amounts.{{ c }}, {% endfor %}
        invoice_fee_days.billed_days,
        invoice_fee_days.full_period_days
    from invoice_fee_amounts
    left join invoice_fee_days on invoice_fee_amounts.fee_id = invoice_fee_days.fee_id
    where not exists (
        select 1 from finalized_invoices where finalized_invoices.invoice_id = invoice_fee_amounts.invoice_id
    )
),

final as (
    select {{ columns | join(', ') }}, billed_days, full_period_days, 'finalized' as invoice_status from finalized_fees
    union all
    select {{ columns | join(', ') }}, billed_days, full_period_days, 'draft' as invoice_status from draft_fees
)

select * from final
