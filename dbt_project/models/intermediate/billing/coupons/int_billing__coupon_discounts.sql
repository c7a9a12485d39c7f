-- The discount each applied coupon gave each invoice (pricing.md 5.3), in application order.
with coupon_fee_shares as (
    select * from {{ ref('int_billing__coupon_fee_shares') }}
),

coupon_slots as (
    select * from {{ ref('int_billing__coupon_slots') }}
),

per_invoice as (
    select distinct
        invoice_id,
        lago_applied_coupon_id,
        coupon_slot,
        base_amount_minor,
        coupon_amount_minor,
        remaining_amount_minor,
        remaining_frequency_duration,
        coupon_status
    from coupon_fee_shares
),

final as (
    select
        per_invoice.invoice_id,
        per_invoice.lago_applied_coupon_id,
        coupon_slots.coupon_code,
        coupon_slots.coupon_type,
        coupon_slots.frequency,
        coupon_slots.limited_to,
        per_invoice.coupon_slot as application_order,
        per_invoice.base_amount_minor,
        per_invoice.coupon_amount_minor,
        per_invoice.remaining_amount_minor,
        per_invoice.remaining_frequency_duration,
        per_invoice.coupon_status
    from per_invoice
    inner join coupon_slots
        on per_invoice.lago_applied_coupon_id = coupon_slots.lago_applied_coupon_id
)

select * from final
