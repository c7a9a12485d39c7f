-- Plan (subscription) fees per billing period (pricing.md 3).
with periods as (
    select * from {{ ref('int_billing__subscription_periods') }}
),

-- The days the plan is billed for: not before the trial end; an in-advance fee covers the
-- rest of the period (a later termination is a credit, not a smaller fee); an in-arrears fee
-- stops at the termination day, or the day before when an upgrade took that day.
plan_days as (
    select
        periods.*,
        case when trial_end_date > service_start_date then trial_end_date else service_start_date end as plan_start_date,
        case
            when is_pay_in_advance then period_end_date
            when is_upgraded_away and is_terminated_in_period
                then cast({{ dbt.dateadd('day', -1, 'termination_date') }} as date)
            else service_end_date
        end as plan_end_date
    from periods
),

priced as (
    select
        plan_days.*,
        {{ days_inclusive('plan_start_date', 'plan_end_date') }} as billed_days,
        {{ exact_divide('cast(plan_amount_minor as decimal(38, 12)) * ' ~ days_inclusive('plan_start_date', 'plan_end_date'), 'full_period_days') }} as precise_amount_minor_raw
    from plan_days
    where plan_end_date >= plan_start_date
        -- an in-advance plan upgraded away on the day it would start is never billed
        and not (is_pay_in_advance and is_upgraded_away and termination_date <= plan_start_date)
        -- nor one whose subscription ended before its trial did (cancelled during the trial)
        and not (is_pay_in_advance and is_terminated_in_period and service_end_date < plan_start_date)
),

final as (
    select
        {{ fee_id('external_subscription_id', 'lago_subscription_id', "cast(null as varchar)", "cast(null as integer)", "cast(null as varchar)", 'period_start_date', "'subscription'") }} as fee_id,
        subscription_period_id,
        {{ fee_owner_columns() }},
        'subscription' as fee_type,
        plan_code,
        {{ plan_fee_charge_columns() }},
        cast(precise_amount_minor_raw as decimal(38, 12)) as precise_amount_minor,
        {{ round_minor('precise_amount_minor_raw') }} as amount_minor,
        plan_start_date as service_start_date,
        plan_end_date as service_end_date,
        period_start_date,
        period_end_date,
        full_period_days,
        billed_days,
        -- the plan fee's period starts at the local midnight of its first day (pricing.md 1):
        -- the start day is billed whole, while the period's own period_from_at (the charge
        -- window) keeps the exact start instant in the first period
        {{ local_date_start_at('priced.service_start_date', 'priced.timezone') }} as period_from_at,
        period_to_at,
        case
            when is_pay_in_advance then plan_start_date
            when is_terminated_in_period then termination_issuing_date
            else cast({{ dbt.dateadd('day', 1, 'period_end_date') }} as date)
        end as issuing_date,
        is_pay_in_advance,
        true as is_invoiceable,
        billed_days < full_period_days as is_prorated,
        plan_display_name as description,
        as_of_date
    from priced
)

select * from final
