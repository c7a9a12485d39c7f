{#- The fee lines of finalized invoices, frozen with them (append only, see
    fct_finalized_invoices). -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail', full_refresh=false) }}

with finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

invoice_fee_amounts as (
    select * from {{ ref('int_billing__invoice_fee_amounts') }}
),

final as (
    select
        invoice_fee_amounts.fee_id,
        invoice_fee_amounts.invoice_id,
        invoice_fee_amounts.external_customer_id,
        invoice_fee_amounts.external_subscription_id,
        invoice_fee_amounts.billing_entity_code,
        invoice_fee_amounts.currency,
        invoice_fee_amounts.fee_type,
        invoice_fee_amounts.plan_code,
        invoice_fee_amounts.charge_lago_id,
        invoice_fee_amounts.billable_metric_code,
        invoice_fee_amounts.charge_filter_index,
        invoice_fee_amounts.grouped_by,
        invoice_fee_amounts.description,
        invoice_fee_amounts.units,
        invoice_fee_amounts.events_count,
        invoice_fee_amounts.service_start_date,
        invoice_fee_amounts.service_end_date,
        invoice_fee_amounts.period_from_at,
        invoice_fee_amounts.period_to_at,
        invoice_fee_amounts.precise_amount_minor,
        invoice_fee_amounts.amount_minor,
        invoice_fee_amounts.precise_coupon_share_minor,
        invoice_fee_amounts.precise_taxable_base_minor,
        invoice_fee_amounts.precise_tax_amount_minor,
        invoice_fee_amounts.tax_codes,
        invoice_fee_amounts.precise_total_amount_minor
    from invoice_fee_amounts
    inner join finalized_invoices
        on invoice_fee_amounts.invoice_id = finalized_invoices.invoice_id
    {% if is_incremental() %}
    where not exists (select 1 from {{ this }} as frozen where frozen.invoice_id = invoice_fee_amounts.invoice_id)
    {% endif %}
)

select * from final
