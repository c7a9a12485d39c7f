-- What a fee's proration is made of, for auditors (pricing.md 2 charge minimum, 3 plan fee and
-- commitment): the days it bills (its service days, inclusive; a plan fee's billed days as
-- rating priced them) and the days of the full period it is priced against — the
-- subscription period for plan fees and commitment true-ups, the charge period for charge
-- fees, charge minimum true-ups and threshold (progressive) fees. A fee is prorated by
-- billed_days ÷ full_period_days where is_prorated (rating's flag); this model restates the
-- figures rating used, it prices nothing.
with invoice_fees as (
    select * from {{ ref('int_billing__invoice_fees') }}
),

subscription_fees as (
    select * from {{ ref('int_billing__subscription_fees') }}
),

charge_fees as (
    select * from {{ ref('int_billing__charge_fees') }}
),

advance_charge_fees as (
    select * from {{ ref('int_billing__advance_charge_fees') }}
),

charge_min_true_ups as (
    select * from {{ ref('int_billing__charge_min_true_ups') }}
),

commitment_true_ups as (
    select * from {{ ref('int_billing__commitment_true_ups') }}
),

progressive_fees as (
    select * from {{ ref('int_billing__progressive_billing_fees') }}
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

subscription_periods as (
    select * from {{ ref('int_billing__subscription_periods') }}
),

-- each fee's period: exactly one of the two ids
fee_periods as (
    select fee_id, subscription_period_id, cast(null as {{ dbt.type_string() }}) as charge_period_id from subscription_fees
    union all
    select fee_id, subscription_period_id, cast(null as {{ dbt.type_string() }}) as charge_period_id from commitment_true_ups
    union all
    select fee_id, cast(null as {{ dbt.type_string() }}) as subscription_period_id, charge_period_id from charge_fees
    union all
    select fee_id, cast(null as {{ dbt.type_string() }}) as subscription_period_id, charge_period_id from advance_charge_fees
    union all
    select fee_id, cast(null as {{ dbt.type_string() }}) as subscription_period_id, charge_period_id from charge_min_true_ups
    union all
    select fee_id, cast(null as {{ dbt.type_string() }}) as subscription_period_id, charge_period_id from progressive_fees
),

final as (
    select
        invoice_fees.fee_id,
        cast(coalesce(
            subscription_fees.billed_days,
            {{ days_inclusive('invoice_fees.service_start_date', 'invoice_fees.service_end_date') }}
        ) as integer) as billed_days,
        cast(coalesce(charge_periods.charge_full_period_days, subscription_periods.full_period_days) as integer) as full_period_days
    from invoice_fees
    inner join fee_periods on invoice_fees.fee_id = fee_periods.fee_id
    left join subscription_fees on invoice_fees.fee_id = subscription_fees.fee_id
    left join charge_periods on fee_periods.charge_period_id = charge_periods.charge_period_id
    left join subscription_periods on fee_periods.subscription_period_id = subscription_periods.subscription_period_id
)

select * from final
