{#- The coupon discounts of finalized invoices, frozen with them (append only, see
    fct_finalized_invoices). Later invoices continue each coupon's state from these rows. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail', full_refresh=false) }}

with finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

coupon_discounts as (
    select * from {{ ref('int_billing__coupon_discounts') }}
),

final as (
    select
        coupon_discounts.invoice_id,
        coupon_discounts.lago_applied_coupon_id,
        coupon_discounts.coupon_code,
        coupon_discounts.coupon_type,
        coupon_discounts.frequency,
        coupon_discounts.limited_to,
        coupon_discounts.application_order,
        cast(coupon_discounts.base_amount_minor as bigint) as base_amount_minor,
        cast(coupon_discounts.coupon_amount_minor as bigint) as coupon_amount_minor
    from coupon_discounts
    inner join finalized_invoices
        on coupon_discounts.invoice_id = finalized_invoices.invoice_id
    {% if is_incremental() %}
    where not exists (select 1 from {{ this }} as frozen where frozen.invoice_id = coupon_discounts.invoice_id)
    {% endif %}
)

select * from final
