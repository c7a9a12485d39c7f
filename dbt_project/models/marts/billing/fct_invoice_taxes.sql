-- One row per invoice × tax: taxable base and tax, the lines adding up to the invoice's tax
-- (rounded once per invoice, see int_billing__invoice_taxes). Frozen for finalized invoices.
with finalized_taxes as (
    select * from {{ ref('fct_finalized_invoice_taxes') }}
),

finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

invoice_taxes as (
    select * from {{ ref('int_billing__invoice_taxes') }}
),

taxes as (
    select * from {{ ref('stg_lago__taxes') }}
),

unioned as (
    select *, 'finalized' as invoice_status from finalized_taxes
    union all
    select
        invoice_id, tax_code, tax_rate, taxable_base_amount_minor, precise_taxable_base_minor,
        precise_tax_amount_minor, tax_amount_minor, 'draft' as invoice_status
    from invoice_taxes
    where not exists (
        select 1 from finalized_invoices where finalized_invoices.invoice_id = invoice_taxes.invoice_id
    )
),

final as (
    select unioned.*, taxes.tax_name
    from unioned
    left join taxes on unioned.tax_code = taxes.tax_code
)

select * from final
