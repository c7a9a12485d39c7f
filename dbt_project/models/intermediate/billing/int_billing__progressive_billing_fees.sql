-- Threshold (progressive billing) invoice fees, pricing.md 4. Already invoiced usage =
-- lifetime charge fees of the subscription's earlier charge periods + what this period's
-- threshold invoices billed. Because cumulative usage only grows, a threshold fires on the
-- first usage day whose total (lifetime + period-to-date) passes it: a fixed threshold T when
-- previous total < T ≤ total; past the largest fixed one, the recurring amount every step.
-- A threshold invoice bills each fee key's cumulative amount less what the previous threshold
-- invoice of the period billed for it. NOT part of int_billing__fees: invoice assembly must
-- add these and deduct int_billing__progressive_billing_credits at period end (see yml).
with usage_days as (
    select * from {{ ref('int_billing__progressive_usage_days') }}
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

charge_fees as (
    select * from {{ ref('int_billing__charge_fees') }}
),

thresholds as (
    select * from {{ ref('stg_lago__plan_usage_thresholds') }}
),

properties as (
    select * from {{ ref('int_billing__charge_properties') }}
),

-- lifetime usage invoiced before each charge period (earlier periods of the external id)
lifetime as (
    select
        charge_periods.charge_period_id,
        coalesce(sum(charge_fees.amount_minor), 0) as lifetime_before_minor
    from charge_periods
    left join charge_fees
        on charge_periods.external_subscription_id = charge_fees.external_subscription_id
        and charge_fees.service_end_date < charge_periods.charge_service_start_date
    group by charge_periods.charge_period_id
),

daily_totals as (
    select
        usage_days.charge_period_id,
        usage_days.as_of_usage_date,
        sum(usage_days.cumulative_amount_minor) as period_usage_minor
    from usage_days
    group by usage_days.charge_period_id, usage_days.as_of_usage_date
),

totals as (
    select
        daily_totals.*,
        charge_periods.plan_code,
        lifetime.lifetime_before_minor + daily_totals.period_usage_minor as total_minor,
        lifetime.lifetime_before_minor + coalesce(lag(daily_totals.period_usage_minor) over (
            partition by daily_totals.charge_period_id order by daily_totals.as_of_usage_date
        ), 0) as previous_total_minor
    from daily_totals
    inner join charge_periods on daily_totals.charge_period_id = charge_periods.charge_period_id
    inner join lifetime on daily_totals.charge_period_id = lifetime.charge_period_id
),

fixed_max as (
    select plan_code, max(amount_minor) as largest_fixed_minor
    from thresholds
    where not is_recurring
    group by plan_code
),

crossings as (
    select
        totals.charge_period_id,
        totals.as_of_usage_date,
        sum(case
            when not thresholds.is_recurring
                and thresholds.amount_minor > totals.previous_total_minor
                and thresholds.amount_minor <= totals.total_minor then 1
            -- recurring steps F + k·R (k ≥ 1) crossed between the two totals
            when thresholds.is_recurring and thresholds.amount_minor > 0
                and totals.total_minor > coalesce(fixed_max.largest_fixed_minor, 0)
                and floor({{ exact_divide('totals.total_minor - coalesce(fixed_max.largest_fixed_minor, 0)', 'thresholds.amount_minor') }})
                    > floor({{ exact_divide("case when totals.previous_total_minor > coalesce(fixed_max.largest_fixed_minor, 0)
                        then totals.previous_total_minor else coalesce(fixed_max.largest_fixed_minor, 0) end
                        - coalesce(fixed_max.largest_fixed_minor, 0)", 'thresholds.amount_minor') }}) then 1
            else 0
        end) as crossed_count
    from totals
    inner join thresholds on totals.plan_code = thresholds.plan_code
    left join fixed_max on totals.plan_code = fixed_max.plan_code
    group by totals.charge_period_id, totals.as_of_usage_date
),

fire_days as (
    select
        charge_period_id,
        as_of_usage_date,
        lag(as_of_usage_date) over (partition by charge_period_id order by as_of_usage_date) as previous_fire_date
    from crossings
    where crossed_count > 0
),

billed as (
    select
        fire_days.charge_period_id,
        fire_days.as_of_usage_date,
        current_day.charge_lago_id,
        current_day.charge_filter_index,
        current_day.grouped_by,
        current_day.units,
        current_day.events_count,
        current_day.cumulative_amount_minor - coalesce(previous_day.cumulative_amount_minor, 0) as amount_minor,
        current_day.cumulative_precise_amount_minor - coalesce(previous_day.cumulative_precise_amount_minor, 0) as precise_amount_minor
    from fire_days
    inner join usage_days as current_day
        on fire_days.charge_period_id = current_day.charge_period_id
        and fire_days.as_of_usage_date = current_day.as_of_usage_date
    left join usage_days as previous_day
        on fire_days.charge_period_id = previous_day.charge_period_id
        and fire_days.previous_fire_date = previous_day.as_of_usage_date
        and current_day.charge_lago_id = previous_day.charge_lago_id
        and current_day.charge_filter_index = previous_day.charge_filter_index
        and coalesce(current_day.grouped_by, '') = coalesce(previous_day.grouped_by, '')
),

final as (
    select
        {{ fee_id('charge_periods.external_subscription_id', 'charge_periods.lago_subscription_id', 'billed.charge_lago_id', 'billed.charge_filter_index', 'billed.grouped_by', 'charge_periods.charge_service_start_date', "'progressive'", 'billed.as_of_usage_date') }} as fee_id,
        {{ invoice_group_key('charge_periods.external_customer_id', 'charge_periods.billing_entity_code', 'charge_periods.currency', 'billed.as_of_usage_date') }} as invoice_group_key,
        billed.charge_period_id,
        charge_periods.lago_subscription_id,
        charge_periods.external_customer_id,
        charge_periods.external_subscription_id,
        charge_periods.billing_entity_code,
        charge_periods.currency,
        charge_periods.currency_exponent,
        'charge' as fee_type,
        charge_periods.plan_code,
        billed.charge_lago_id,
        properties.billable_metric_code,
        billed.charge_filter_index,
        billed.grouped_by,
        billed.units,
        cast(billed.events_count as bigint) as events_count,
        cast(billed.precise_amount_minor as decimal(38, 12)) as precise_amount_minor,
        cast(billed.amount_minor as bigint) as amount_minor,
        charge_periods.charge_service_start_date as service_start_date,
        billed.as_of_usage_date as service_end_date,
        charge_periods.charge_from_at as period_from_at,
        charge_periods.charge_to_at as period_to_at,
        billed.as_of_usage_date as issuing_date,
        false as is_pay_in_advance,
        properties.is_invoiceable,
        properties.is_prorated,
        {{ dbt.concat(["'Progressive billing: '", 'properties.description']) }} as description
    from billed
    inner join charge_periods on billed.charge_period_id = charge_periods.charge_period_id
    inner join properties
        on billed.charge_lago_id = properties.charge_lago_id
        and billed.charge_filter_index = properties.charge_filter_index
    where billed.amount_minor > 0
)

select * from final
