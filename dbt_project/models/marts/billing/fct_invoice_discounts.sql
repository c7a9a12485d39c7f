-- One row per invoice × applied coupon that discounted it, in application order
-- (pricing.md 5.3): frozen rows of finalized invoices, recomputed rows of drafts; with the
-- applied coupon's state right after that invoice.
with finalized_discounts as (
    select * from {{ ref('fct_finalized_invoice_discounts') }}
),

coupon_discounts as (
    select * from {{ ref('int_billing__coupon_discounts') }}
),

invoices as (
    select * from {{ ref('fct_invoices') }}
),

unioned as (
    select
        invoice_id, lago_applied_coupon_id, coupon_code, coupon_type, frequency, limited_to,
        application_order, base_amount_minor, coupon_amount_minor,
        remaining_amount_minor, remaining_frequency_duration, coupon_status
    from finalized_discounts
    union all
    select
        invoice_id, lago_applied_coupon_id, coupon_code, coupon_type, frequency, limited_to,
        application_order, base_amount_minor, coupon_amount_minor,
        remaining_amount_minor, remaining_frequency_duration, coupon_status
    from coupon_discounts
    where not exists (
        select 1 from finalized_discounts where finalized_discounts.invoice_id = coupon_discounts.invoice_id
    )
),

final as (
    select
        unioned.invoice_id,
        invoices.invoice_number,
        invoices.status as invoice_status,
        invoices.external_customer_id,
        invoices.currency,
        unioned.lago_applied_coupon_id,
        unioned.coupon_code,
        unioned.coupon_type,
        unioned.frequency,
        unioned.limited_to,
        unioned.application_order,
        unioned.base_amount_minor,
        unioned.coupon_amount_minor,
        unioned.remaining_amount_minor,
        unioned.remaining_frequency_duration,
        unioned.coupon_status
    from unioned
    inner join invoices on unioned.invoice_id = invoices.invoice_id
)

select * from final
