-- Plan minimum commitment (pricing.md 3, last bullet): per billing period, commitment
-- prorated by days for a partial first or terminated period, minus the period's fees (plan,
-- charges, in-advance charges, charge minimum true-ups; before coupons and taxes). Issued at
-- the period end (= next period's start, which is also where an in-advance plan bills it) or
-- on termination; yearly and semiannual plans therefore only at the end of their period.
with periods as (
    select * from {{ ref('int_billing__subscription_periods') }}
    where minimum_commitment_amount_minor > 0
),

charge_periods as (
    select charge_period_id, subscription_period_id from {{ ref('int_billing__charge_periods') }}
),

period_fees as (
    select subscription_period_id, amount_minor from {{ ref('int_billing__subscription_fees') }}
    union all
    select charge_periods.subscription_period_id, charge_fees.amount_minor
    from {{ ref('int_billing__charge_fees') }} as charge_fees
    inner join charge_periods on charge_fees.charge_period_id = charge_periods.charge_period_id
    union all
    select charge_periods.subscription_period_id, advance_fees.amount_minor
    from {{ ref('int_billing__advance_charge_fees') }} as advance_fees
    inner join charge_periods on advance_fees.charge_period_id = charge_periods.charge_period_id
    union all
    select charge_periods.subscription_period_id, true_ups.amount_minor
    from {{ ref('int_billing__charge_min_true_ups') }} as true_ups
    inner join charge_periods on true_ups.charge_period_id = charge_periods.charge_period_id
),

fee_totals as (
    select subscription_period_id, sum(amount_minor) as fees_amount_minor
    from period_fees
    group by subscription_period_id
),

commitments as (
    select
        periods.*,
        coalesce(fee_totals.fees_amount_minor, 0) as fees_amount_minor,
        {{ exact_divide('cast(periods.minimum_commitment_amount_minor as decimal(38, 12)) * ' ~ days_inclusive('periods.service_start_date', 'periods.service_end_date'), 'periods.full_period_days') }} as prorated_commitment_minor
    from periods
    left join fee_totals on periods.subscription_period_id = fee_totals.subscription_period_id
),

final as (
    select
        {{ fee_id('external_subscription_id', 'lago_subscription_id', "cast(null as varchar)", "cast(null as integer)", "cast(null as varchar)", 'period_start_date', "'commitment_true_up'") }} as fee_id,
        subscription_period_id,
        {{ fee_owner_columns() }},
        'commitment_true_up' as fee_type,
        plan_code,
        {{ plan_fee_charge_columns() }},
        prorated_commitment_minor,
        fees_amount_minor,
        cast(prorated_commitment_minor - fees_amount_minor as decimal(38, 12)) as precise_amount_minor,
        {{ round_minor('prorated_commitment_minor - fees_amount_minor') }} as amount_minor,
        service_start_date,
        service_end_date,
        period_from_at,
        period_to_at,
        case
            when is_terminated_in_period then termination_issuing_date
            else cast({{ dbt.dateadd('day', 1, 'period_end_date') }} as date)
        end as issuing_date,
        false as is_pay_in_advance,
        true as is_invoiceable,
        {{ days_inclusive('service_start_date', 'service_end_date') }} < full_period_days as is_prorated,
        {{ dbt.concat(["'Minimum commitment true-up: '", 'plan_display_name']) }} as description,
        as_of_date
    from commitments
    where {{ round_minor('prorated_commitment_minor - fees_amount_minor') }} > 0
)

select * from final
