-- Invoiceable fees keyed to the invoice that carries them (pricing.md 4, 5.1-5.2).
-- Subscription invoices: rating's invoice_group_key, one per customer, entity, currency and
-- issuing date. Threshold invoices (progressive billing): their own invoice per subscription
-- and crossing day, so they take coupons, taxes, credit notes and wallets through the same
-- assembly path. Each in-arrears charge fee of a period-end invoice carries its pro-rata share
-- (unrounded) of the period's progressive billing credit, deducted before coupons and taxes.
with fees as (
    select * from {{ ref('int_billing__fees') }}
),

progressive_fees as (
    select * from {{ ref('int_billing__progressive_billing_fees') }}
),

charge_fees as (
    select * from {{ ref('int_billing__charge_fees') }}
),

progressive_credits as (
    select * from {{ ref('int_billing__invoice_progressive_credits') }}
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

{%- set columns = ['fee_id', 'external_customer_id', 'external_subscription_id', 'billing_entity_code', 'currency', 'currency_exponent', 'fee_type', 'plan_code', 'charge_lago_id', 'billable_metric_code', 'charge_filter_index', 'grouped_by', 'units', 'events_count', 'precise_amount_minor', 'amount_minor', 'service_start_date', 'service_end_date', 'period_from_at', 'period_to_at', 'issuing_date', 'is_pay_in_advance', 'description'] %}

all_fees as (
    select
        'subscription' as invoice_type,
        invoice_group_key as invoice_id,
        {{ columns | join(', ') }}
    from fees
    where is_invoiceable
    union all
    select
        'progressive_billing' as invoice_type,
        {{ progressive_invoice_id('progressive_fees.invoice_group_key', 'progressive_fees.external_subscription_id') }} as invoice_id,
        {% for c in columns %}progressive_fees.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    from progressive_fees
    inner join charge_periods on progressive_fees.charge_period_id = charge_periods.charge_period_id
    -- Rating emits every crossing day; only those by rating's "now" (the subscription's
    -- local date, as int_billing__fees issues) are issued.
    where progressive_fees.is_invoiceable
      and progressive_fees.issuing_date <= charge_periods.as_of_date
),

matching_fees as (
    {{ progressive_matching_fees('fees', 'charge_fees') }}
),

-- Spread pro rata to the fee amount over the period's matching fees (the set
-- int_billing__invoice_progressive_credits capped the credit at), unrounded like coupons.
progressive_shares as (
    select
        matching_fees.fee_id,
        {{ exact_divide('progressive_credits.credit_amount_minor * matching_fees.amount_minor', 'progressive_credits.matching_fees_amount_minor') }}
            as precise_progressive_credit_share_minor
    from progressive_credits
    inner join matching_fees on progressive_credits.charge_period_id = matching_fees.charge_period_id
    where progressive_credits.credit_amount_minor > 0
),

final as (
    select
        all_fees.fee_id,
        all_fees.invoice_id,
        all_fees.invoice_type,
        all_fees.external_customer_id,
        all_fees.external_subscription_id,
        all_fees.billing_entity_code,
        all_fees.currency,
        all_fees.currency_exponent,
        all_fees.fee_type,
        -- Wallet limits speak Lago's fee types: true-ups of a charge are charge fees, the
        -- plan's minimum commitment is a commitment fee.
        case all_fees.fee_type
            when 'subscription' then 'subscription'
            when 'commitment_true_up' then 'commitment'
            else 'charge'
        end as lago_fee_type,
        all_fees.plan_code,
        all_fees.charge_lago_id,
        all_fees.billable_metric_code,
        all_fees.charge_filter_index,
        all_fees.grouped_by,
        all_fees.units,
        all_fees.events_count,
        all_fees.precise_amount_minor,
        -- Negative amounts are clamped to 0 (pricing.md 0); rating should never send one.
        case when all_fees.amount_minor < 0 then 0 else all_fees.amount_minor end as amount_minor,
        cast(coalesce(progressive_shares.precise_progressive_credit_share_minor, 0) as decimal(38, 12))
            as precise_progressive_credit_share_minor,
        all_fees.service_start_date,
        all_fees.service_end_date,
        all_fees.period_from_at,
        all_fees.period_to_at,
        all_fees.issuing_date,
        all_fees.is_pay_in_advance,
        all_fees.description
    from all_fees
    left join progressive_shares
        on all_fees.fee_id = progressive_shares.fee_id
        and all_fees.invoice_type = 'subscription'
)

select * from final
