{#- The fee lines of finalized invoices, frozen with them (append only, see
    fct_finalized_invoices). New columns go at the end and arrive by append_new_columns: a
    warehouse frozen before them keeps every existing row's values as they were (the new
    columns read NULL there, meaning "not recorded when frozen"); every row frozen since has
    them (assert_frozen_fee_days_recorded_since_introduced). -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns', full_refresh=false) }}

with finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

invoice_fee_amounts as (
    select * from {{ ref('int_billing__invoice_fee_amounts') }}
),

invoice_fee_days as (
    select * from {{ ref('int_billing__invoice_fee_days') }}
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
        invoice_fee_amounts.precise_total_amount_minor,
        -- added after the first frozen rows: keep them last (append_new_columns adds at the end)
        invoice_fee_days.billed_days,
        invoice_fee_days.full_period_days
    from invoice_fee_amounts
    inner join finalized_invoices
        on invoice_fee_amounts.invoice_id = finalized_invoices.invoice_id
    left join invoice_fee_days on invoice_fee_amounts.fee_id = invoice_fee_days.fee_id
    {% if is_incremental() %}
    where not exists (select 1 from {{ this }} as frozen where frozen.invoice_id = invoice_fee_amounts.invoice_id)
    {% endif %}
)

select * from final
