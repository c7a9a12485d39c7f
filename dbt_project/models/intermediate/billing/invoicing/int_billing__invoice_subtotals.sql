-- One row per invoice with pricing.md 5.1-5.4 applied: fees, progressive billing credit,
-- coupons, taxes. The progressive credit is the sum of its fees' unrounded shares: they split
-- a whole amount, so rounding the sum gives that amount back.
with invoice_fees as (
    select * from {{ ref('int_billing__invoice_fees') }}
),

coupon_discounts as (
    select * from {{ ref('int_billing__coupon_discounts') }}
),

invoice_taxes as (
    select * from {{ ref('int_billing__invoice_taxes') }}
),

invoices as (
    select
        invoice_id,
        invoice_type,
        external_customer_id,
        billing_entity_code,
        currency,
        max(currency_exponent) as currency_exponent,
        issuing_date,
        count(*) as fees_count,
        sum(amount_minor) as fees_amount_minor,
        {{ round_minor('sum(coalesce(precise_progressive_credit_share_minor, 0))') }} as progressive_credit_amount_minor
    from invoice_fees
    group by invoice_id, invoice_type, external_customer_id, billing_entity_code, currency, issuing_date
),

coupons as (
    select invoice_id, sum(coupon_amount_minor) as coupons_amount_minor
    from coupon_discounts
    group by invoice_id
),

taxes as (
    select invoice_id, max(invoice_taxes_amount_minor) as taxes_amount_minor
    from invoice_taxes
    group by invoice_id
),

{%- set sub_total_excluding_taxes = 'invoices.fees_amount_minor - invoices.progressive_credit_amount_minor - coalesce(coupons.coupons_amount_minor, 0)' %}

final as (
    select
        invoices.invoice_id,
        invoices.invoice_type,
        invoices.external_customer_id,
        invoices.billing_entity_code,
        invoices.currency,
        invoices.currency_exponent,
        invoices.issuing_date,
        invoices.fees_count,
        cast(invoices.fees_amount_minor as bigint) as fees_amount_minor,
        cast(invoices.progressive_credit_amount_minor as bigint) as progressive_billing_credit_amount_minor,
        cast(coalesce(coupons.coupons_amount_minor, 0) as bigint) as coupons_amount_minor,
        cast({{ sub_total_excluding_taxes }} as bigint) as sub_total_excluding_taxes_amount_minor,
        cast(coalesce(taxes.taxes_amount_minor, 0) as bigint) as taxes_amount_minor,
        cast({{ sub_total_excluding_taxes }} + coalesce(taxes.taxes_amount_minor, 0) as bigint)
            as sub_total_including_taxes_amount_minor
    from invoices
    left join coupons on invoices.invoice_id = coupons.invoice_id
    left join taxes on invoices.invoice_id = taxes.invoice_id
)

select * from final
