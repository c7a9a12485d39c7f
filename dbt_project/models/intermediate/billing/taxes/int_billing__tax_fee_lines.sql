-- Each fee's taxes (pricing.md 5.4): the charge's taxes, else the plan's, else the
-- customer's, else the billing entity's defaults; the first level that names any tax wins
-- whole. Taxable base = fee amount − its progressive billing credit share − its coupon share
-- (unrounded, pricing.md 5.2-5.4); the tax stays unrounded
-- here because an invoice rounds its tax once (int_billing__invoice_taxes).
with invoice_fees as (
    select * from {{ ref('int_billing__invoice_fees') }}
),

coupon_fee_shares as (
    select * from {{ ref('int_billing__coupon_fee_shares') }}
),

charge_taxes as (
    select * from {{ ref('stg_lago__charge_taxes') }}
),

plan_taxes as (
    select * from {{ ref('stg_lago__plan_taxes') }}
),

customer_taxes as (
    select * from {{ ref('stg_lago__customer_taxes') }}
),

billing_entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

taxes as (
    select * from {{ ref('stg_lago__taxes') }}
),

entity_taxes as (
    {{ split_list('select billing_entity_code, default_tax_codes from billing_entities', ['billing_entity_code'], 'default_tax_codes', ';') }}
),

fee_coupon_shares as (
    select fee_id, sum(precise_coupon_share_minor) as precise_coupon_share_minor
    from coupon_fee_shares
    group by fee_id
),

candidates as (
    select invoice_fees.fee_id, 1 as tax_level, 'charge' as tax_source, charge_taxes.tax_code, charge_taxes.tax_rate
    from invoice_fees
    inner join charge_taxes on invoice_fees.charge_lago_id = charge_taxes.charge_lago_id
    union all
    select invoice_fees.fee_id, 2, 'plan', plan_taxes.tax_code, plan_taxes.tax_rate
    from invoice_fees
    inner join plan_taxes on invoice_fees.plan_code = plan_taxes.plan_code
    union all
    select invoice_fees.fee_id, 3, 'customer', customer_taxes.tax_code, customer_taxes.tax_rate
    from invoice_fees
    inner join customer_taxes on invoice_fees.external_customer_id = customer_taxes.external_customer_id
    union all
    select invoice_fees.fee_id, 4, 'billing_entity', entity_taxes.element, cast(null as decimal(18, 6))
    from invoice_fees
    inner join entity_taxes on invoice_fees.billing_entity_code = entity_taxes.billing_entity_code
),

chosen as (
    select candidates.*
    from candidates
    inner join (
        select fee_id, min(tax_level) as tax_level from candidates group by fee_id
    ) as first_level
        on candidates.fee_id = first_level.fee_id
        and candidates.tax_level = first_level.tax_level
),

{%- set taxable_base = 'invoice_fees.amount_minor - coalesce(invoice_fees.precise_progressive_credit_share_minor, 0) - coalesce(fee_coupon_shares.precise_coupon_share_minor, 0)' %}

final as (
    select
        invoice_fees.fee_id,
        invoice_fees.invoice_id,
        chosen.tax_code,
        chosen.tax_source,
        -- The tax object's current rate wins over the rate copied onto the plan/charge/customer.
        coalesce(taxes.tax_rate, chosen.tax_rate) as tax_rate,
        invoice_fees.amount_minor as fee_amount_minor,
        coalesce(fee_coupon_shares.precise_coupon_share_minor, 0) as precise_coupon_share_minor,
        coalesce(invoice_fees.precise_progressive_credit_share_minor, 0) as precise_progressive_credit_share_minor,
        cast({{ taxable_base }} as decimal(38, 12)) as precise_taxable_base_minor,
        {{ percent_of(taxable_base, 'coalesce(taxes.tax_rate, chosen.tax_rate)') }} as precise_tax_amount_minor
    from invoice_fees
    inner join chosen on invoice_fees.fee_id = chosen.fee_id
    left join taxes on chosen.tax_code = taxes.tax_code
    left join fee_coupon_shares on invoice_fees.fee_id = fee_coupon_shares.fee_id
)

select * from final
