{#- The coupon discounts of finalized invoices, frozen with them (append only, see
    fct_finalized_invoices). Later invoices continue each coupon's state from these rows.
    New columns go at the end and arrive by append_new_columns: rows frozen before them keep
    their values and read NULL there ("not recorded when frozen"), see
    fct_finalized_invoice_fees. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns', full_refresh=false) }}

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
        cast(coupon_discounts.coupon_amount_minor as bigint) as coupon_amount_minor,
        -- the applied coupon's state after this invoice (added later: keep last)
        cast(coupon_discounts.remaining_amount_minor as bigint) as remaining_amount_minor,
        cast(coupon_discounts.remaining_frequency_duration as integer) as remaining_frequency_duration,
        coupon_discounts.coupon_status
    from coupon_discounts
    inner join finalized_invoices
        on coupon_discounts.invoice_id = finalized_invoices.invoice_id
    {% if is_incremental() %}
    where not exists (select 1 from {{ this }} as frozen where frozen.invoice_id = coupon_discounts.invoice_id)
    {% endif %}
)

select * from final
