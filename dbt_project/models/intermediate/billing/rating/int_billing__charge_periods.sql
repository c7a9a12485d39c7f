-- Charge periods: the billing periods, except that a yearly plan with bill_charges_monthly
-- bills its charges per month of the yearly period (pricing.md 3), months re-derived from the
-- yearly period's start like anniversary periods.
with periods as (
    select * from {{ ref('int_billing__subscription_periods') }}
),

months as (
    {{ dbt.generate_series(12) }}
),

split as (
    select
        periods.*,
        cast(months.generated_number - 1 as integer) as month_index,
        cast({{ dbt.dateadd('month', 'months.generated_number - 1', 'period_start_date') }} as date) as charge_period_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'months.generated_number', 'period_start_date')) }} as date) as charge_period_end_date
    from periods
    cross join months
    where periods.plan_interval = 'yearly' and periods.is_bill_charges_monthly
),

monthly as (
    select
        split.*,
        {{ days_inclusive('charge_period_start_date', 'charge_period_end_date') }} as charge_full_period_days,
        case when service_start_date > charge_period_start_date then service_start_date else charge_period_start_date end as charge_service_start_date,
        case when service_end_date < charge_period_end_date then service_end_date else charge_period_end_date end as charge_service_end_date
    from split
    where charge_period_end_date >= service_start_date
        and charge_period_start_date <= service_end_date
        and charge_period_start_date <= as_of_date
),

whole as (
    select
        periods.*,
        0 as month_index,
        period_start_date as charge_period_start_date,
        period_end_date as charge_period_end_date,
        full_period_days as charge_full_period_days,
        service_start_date as charge_service_start_date,
        service_end_date as charge_service_end_date
    from periods
    where not (periods.plan_interval = 'yearly' and periods.is_bill_charges_monthly)
),

unioned as (
    select * from whole
    union all
    select * from monthly
),

final as (
    select
        {{ dbt.concat(["lago_subscription_id", "'|'", "cast(charge_period_start_date as " ~ dbt.type_string() ~ ")"]) }} as charge_period_id,
        subscription_period_id,
        lago_subscription_id,
        external_subscription_id,
        external_customer_id,
        billing_entity_code,
        plan_code,
        currency,
        currency_exponent,
        timezone,
        charge_period_start_date,
        charge_period_end_date,
        charge_full_period_days,
        charge_service_start_date,
        charge_service_end_date,
        is_terminated_in_period and termination_date <= charge_period_end_date as is_terminated_in_charge_period,
        termination_date,
        case
            when started_at > {{ local_date_start_at('charge_service_start_date', 'timezone') }} then started_at
            else {{ local_date_start_at('charge_service_start_date', 'timezone') }}
        end as charge_from_at,
        case
            when termination_date is not null and termination_date <= charge_period_end_date then terminated_at
            else {{ local_date_end_at('charge_period_end_date', 'timezone') }}
        end as charge_to_at,
        case
            when termination_date is not null and termination_date <= charge_period_end_date then terminated_at
            else {{ local_date_start_at(dbt.dateadd('day', 1, 'charge_period_end_date'), 'timezone') }}
        end as charge_end_exclusive_at,
        case
            when termination_date is not null and termination_date <= charge_period_end_date then termination_issuing_date
            else cast({{ dbt.dateadd('day', 1, 'charge_period_end_date') }} as date)
        end as issuing_date,
        as_of_date
    from unioned
)

select * from final
