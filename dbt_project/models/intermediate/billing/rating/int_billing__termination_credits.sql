-- Credits owed on in-advance plan fees when the subscription ends inside the period they
-- paid for (pricing.md 3): unused days × day price, capped at the fee. A plain termination
-- counts its termination day as used (unused = period end − termination date); an upgrade
-- hands the upgrade day to the new plan, so it is credited too. Coupon share, taxes and the
-- credit/refund/offset choice are applied by invoice assembly. Lago gives both the reason
-- order_change; `origin` keeps which event it was.
with subscription_fees as (
    select * from {{ ref('int_billing__subscription_fees') }}
    where is_pay_in_advance
),

periods as (
    select * from {{ ref('int_billing__subscription_periods') }}
    where is_terminated_in_period and is_pay_in_advance
),

subscriptions as (
    select * from {{ ref('stg_lago__subscriptions') }}
),

credited as (
    select
        subscription_fees.fee_id,
        subscription_fees.external_customer_id,
        subscription_fees.external_subscription_id,
        subscription_fees.lago_subscription_id,
        subscription_fees.billing_entity_code,
        subscription_fees.currency,
        subscription_fees.precise_amount_minor as fee_precise_amount_minor,
        periods.plan_amount_minor,
        periods.full_period_days,
        periods.termination_date,
        periods.termination_issuing_date,
        periods.is_upgraded_away,
        subscriptions.on_termination_credit_note,
        {{ dbt.datediff('periods.termination_date', 'periods.period_end_date', 'day') }}
            + case when periods.is_upgraded_away then 1 else 0 end as unused_days_raw,
        subscription_fees.service_start_date as fee_start_date
    from subscription_fees
    inner join periods on subscription_fees.subscription_period_id = periods.subscription_period_id
    left join subscriptions on subscription_fees.lago_subscription_id = subscriptions.lago_subscription_id
),

bounded as (
    select
        credited.*,
        unused_days_raw as unused_days,
        {{ exact_divide('cast(plan_amount_minor as decimal(38, 12)) * unused_days_raw', 'full_period_days') }} as credit_raw_minor
    from credited
    where unused_days_raw > 0
),

final as (
    select
        {{ rating_hash(['fee_id', "'termination_credit'"]) }} as credit_id,
        external_customer_id,
        external_subscription_id,
        lago_subscription_id,
        billing_entity_code,
        currency,
        fee_id,
        {{ round_minor('case when credit_raw_minor > fee_precise_amount_minor then fee_precise_amount_minor else credit_raw_minor end') }} as credit_amount_minor,
        cast(case when credit_raw_minor > fee_precise_amount_minor then fee_precise_amount_minor else credit_raw_minor end as decimal(38, 12)) as precise_credit_amount_minor,
        unused_days,
        termination_issuing_date as effective_date,
        -- Lago's reason for both is order_change (CreditNotes::CreateFromTermination,
        -- pricing.md 7); what ended the subscription stays visible as the origin.
        'order_change' as reason,
        case when is_upgraded_away then 'upgrade' else 'termination' end as origin,
        on_termination_credit_note
    from bounded
)

select * from final
