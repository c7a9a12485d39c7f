{#- Shown in Dagster as an asset check on fct_invoices. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_invoices'}}}) }}
-- pricing.md 5.7 on every invoice: Σ fees − progressive credit − discounts + taxes − credit
-- notes − prepaid credits = total, and the header's fees/taxes match its lines. The
-- progressive billing credit (pricing.md 5.2) is never negative nor above the fees it is
-- deducted from, and a threshold or credit invoice never carries one.
with invoices as (
    select * from {{ ref('fct_invoices') }}
),

fee_lines as (
    select invoice_id, sum(amount_minor) as fees_amount_minor
    from {{ ref('fct_invoice_fees') }}
    group by invoice_id
),

tax_lines as (
    select invoice_id, sum(tax_amount_minor) as taxes_amount_minor
    from {{ ref('fct_invoice_taxes') }}
    group by invoice_id
)

select invoices.invoice_id, invoices.total_amount_minor
from invoices
left join fee_lines on invoices.invoice_id = fee_lines.invoice_id
left join tax_lines on invoices.invoice_id = tax_lines.invoice_id
where invoices.fees_amount_minor - invoices.progressive_billing_credit_amount_minor - invoices.coupons_amount_minor
        + invoices.taxes_amount_minor - invoices.credit_notes_amount_minor - invoices.prepaid_credit_amount_minor
        <> invoices.total_amount_minor
   or invoices.sub_total_excluding_taxes_amount_minor
        <> invoices.fees_amount_minor - invoices.progressive_billing_credit_amount_minor - invoices.coupons_amount_minor
   or invoices.sub_total_including_taxes_amount_minor
        <> invoices.sub_total_excluding_taxes_amount_minor + invoices.taxes_amount_minor
   or coalesce(fee_lines.fees_amount_minor, 0) <> invoices.fees_amount_minor
   or coalesce(tax_lines.taxes_amount_minor, 0) <> invoices.taxes_amount_minor
   or invoices.progressive_billing_credit_amount_minor < 0
   or invoices.progressive_billing_credit_amount_minor > invoices.fees_amount_minor
   or (invoices.invoice_type <> 'subscription' and invoices.progressive_billing_credit_amount_minor <> 0)
