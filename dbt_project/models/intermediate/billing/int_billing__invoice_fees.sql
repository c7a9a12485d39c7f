-- Invoiceable fees keyed to the invoice that carries them (pricing.md 5.1). The invoice is
-- rating's invoice_group_key: one invoice per customer, entity, currency and issuing date.
with fees as (
    select * from {{ ref('int_billing__fees') }}
),

final as (
    select
        fee_id,
        invoice_group_key as invoice_id,
        external_customer_id,
        external_subscription_id,
        billing_entity_code,
        currency,
        currency_exponent,
        fee_type,
        -- Wallet limits speak Lago's fee types: true-ups of a charge are charge fees, the
        -- plan's minimum commitment is a commitment fee.
        case fee_type
            when 'subscription' then 'subscription'
            when 'commitment_true_up' then 'commitment'
            else 'charge'
        end as lago_fee_type,
        plan_code,
        charge_lago_id,
        billable_metric_code,
        charge_filter_index,
        grouped_by,
        units,
        events_count,
        precise_amount_minor,
        -- Negative amounts are clamped to 0 (pricing.md 0); rating should never send one.
        case when amount_minor < 0 then 0 else amount_minor end as amount_minor,
        service_start_date,
        service_end_date,
        period_from_at,
        period_to_at,
        issuing_date,
        is_pay_in_advance,
        description
    from fees
    where is_invoiceable
)

select * from final
