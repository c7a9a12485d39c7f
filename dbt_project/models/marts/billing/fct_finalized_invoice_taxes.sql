{#- The tax lines of finalized invoices, frozen with them (append only, see
    fct_finalized_invoices). -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail', full_refresh=false) }}

with finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

invoice_taxes as (
    select * from {{ ref('int_billing__invoice_taxes') }}
),

final as (
    select
        invoice_taxes.invoice_id,
        invoice_taxes.tax_code,
        invoice_taxes.tax_rate,
        invoice_taxes.taxable_base_amount_minor,
        invoice_taxes.precise_taxable_base_minor,
        invoice_taxes.precise_tax_amount_minor,
        invoice_taxes.tax_amount_minor
    from invoice_taxes
    inner join finalized_invoices
        on invoice_taxes.invoice_id = finalized_invoices.invoice_id
    {% if is_incremental() %}
    where not exists (select 1 from {{ this }} as frozen where frozen.invoice_id = invoice_taxes.invoice_id)
    {% endif %}
)

select * from final
