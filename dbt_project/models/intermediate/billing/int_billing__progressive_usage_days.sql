-- Progressive billing input (pricing.md 4): for plans with usage thresholds, the cumulative
-- in-arrears charge amount from the charge period's start to the end of each local day that
-- had usage, per fee key (charge × filter × pricing group), priced with the same charge
-- models as the period-end fee. Checked per day, not per event (documented choice).
-- Supported aggregations: count, sum, max, unique count; others only bill at period end. The
-- metric's rounding applies to the cumulative units, as on the period-end fee.
{% set cumulative_units -%}
    cast(case cumulative.aggregation_type
        when 'count_agg' then cumulative.events_count
        when 'sum_agg' then case when cumulative.value_sum < 0 then 0 else cumulative.value_sum end
        when 'max_agg' then case when cumulative.value_max < 0 then 0 else cumulative.value_max end
        when 'unique_count_agg' then coalesce(unique_cumulative.unique_count, 0)
    end as decimal(38, 12))
{%- endset %}
with charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

thresholds as (
    select distinct plan_code from {{ ref('stg_lago__plan_usage_thresholds') }}
),

properties as (
    select * from {{ ref('int_billing__charge_properties') }}
    where not is_pay_in_advance
),

metrics as (
    select * from {{ ref('stg_lago__billable_metrics') }}
    where aggregation_type in ('count_agg', 'sum_agg', 'max_agg', 'unique_count_agg')
),

usage_daily as (
    select * from {{ ref('int_billing__usage_daily') }}
),

unique_values as (
    select * from {{ ref('int_billing__usage_daily_unique_values') }}
),

ranges as (
    select * from {{ ref('stg_lago__charge_ranges') }}
),

in_window as (
    select
        charge_periods.charge_period_id,
        charge_periods.currency_exponent,
        usage_daily.charge_lago_id,
        usage_daily.billable_metric_code,
        usage_daily.charge_filter_index,
        usage_daily.grouped_by,
        usage_daily.usage_date,
        usage_daily.events_count,
        usage_daily.value_sum,
        usage_daily.value_max,
        metrics.aggregation_type,
        metrics.is_recurring,
        metrics.rounding_function,
        metrics.rounding_precision
    from charge_periods
    inner join thresholds on charge_periods.plan_code = thresholds.plan_code
    inner join usage_daily
        on charge_periods.lago_subscription_id = usage_daily.lago_subscription_id
        and usage_daily.usage_date between charge_periods.charge_service_start_date and charge_periods.charge_service_end_date
    inner join metrics on usage_daily.billable_metric_code = metrics.billable_metric_code
),

usage_days as (
    select distinct charge_period_id, usage_date as as_of_usage_date from in_window
),

first_seen as (
    select
        charge_periods.charge_period_id,
        unique_values.charge_lago_id,
        unique_values.charge_filter_index,
        unique_values.grouped_by,
        unique_values.unique_value,
        min(unique_values.usage_date) as first_seen_date
    from charge_periods
    inner join thresholds on charge_periods.plan_code = thresholds.plan_code
    inner join unique_values
        on charge_periods.lago_subscription_id = unique_values.lago_subscription_id
        and unique_values.usage_date between charge_periods.charge_service_start_date and charge_periods.charge_service_end_date
    group by charge_periods.charge_period_id, unique_values.charge_lago_id, unique_values.charge_filter_index,
        unique_values.grouped_by, unique_values.unique_value
),

cumulative as (
    select
        usage_days.charge_period_id,
        usage_days.as_of_usage_date,
        in_window.charge_lago_id,
        in_window.charge_filter_index,
        in_window.grouped_by,
        max(in_window.currency_exponent) as currency_exponent,
        max(in_window.aggregation_type) as aggregation_type,
        max(in_window.rounding_function) as rounding_function,
        max(in_window.rounding_precision) as rounding_precision,
        sum(in_window.events_count) as events_count,
        sum(in_window.value_sum) as value_sum,
        max(in_window.value_max) as value_max
    from usage_days
    inner join in_window
        on usage_days.charge_period_id = in_window.charge_period_id
        and in_window.usage_date <= usage_days.as_of_usage_date
    group by usage_days.charge_period_id, usage_days.as_of_usage_date, in_window.charge_lago_id,
        in_window.charge_filter_index, in_window.grouped_by
),

unique_cumulative as (
    select
        usage_days.charge_period_id,
        usage_days.as_of_usage_date,
        first_seen.charge_lago_id,
        first_seen.charge_filter_index,
        first_seen.grouped_by,
        count(*) as unique_count
    from usage_days
    inner join first_seen
        on usage_days.charge_period_id = first_seen.charge_period_id
        and first_seen.first_seen_date <= usage_days.as_of_usage_date
    group by usage_days.charge_period_id, usage_days.as_of_usage_date, first_seen.charge_lago_id,
        first_seen.charge_filter_index, first_seen.grouped_by
),

inputs as (
    select
        {{ rating_hash(['cumulative.charge_period_id', 'cumulative.as_of_usage_date', 'cumulative.charge_lago_id', 'cumulative.charge_filter_index', 'cumulative.grouped_by']) }} as price_key,
        cumulative.charge_period_id,
        cumulative.as_of_usage_date,
        cumulative.charge_lago_id,
        cumulative.charge_filter_index,
        cumulative.grouped_by,
        cumulative.currency_exponent,
        cumulative.events_count,
        {{ metric_rounding(cumulative_units, 'cumulative.rounding_function', 'cumulative.rounding_precision') }} as units,
        cast(0 as decimal(38, 12)) as precise_total_amount_cents_sum,
        properties.charge_model,
        properties.amount,
        properties.package_size,
        properties.free_units,
        properties.rate,
        properties.fixed_amount,
        properties.free_units_per_events,
        properties.free_units_per_total_aggregation,
        cast(null as decimal(38, 12)) as per_transaction_min_amount,
        cast(null as decimal(38, 12)) as per_transaction_max_amount,
        cast(null as decimal(38, 12)) as per_transaction_amount_minor,
        properties.free_units_per_total_aggregation as free_units_value,
        properties.free_units_per_events as free_events_count
    from cumulative
    inner join properties
        on cumulative.charge_lago_id = properties.charge_lago_id
        and cumulative.charge_filter_index = properties.charge_filter_index
    left join unique_cumulative
        on cumulative.charge_period_id = unique_cumulative.charge_period_id
        and cumulative.as_of_usage_date = unique_cumulative.as_of_usage_date
        and cumulative.charge_lago_id = unique_cumulative.charge_lago_id
        and cumulative.charge_filter_index = unique_cumulative.charge_filter_index
        and coalesce(cumulative.grouped_by, '') = coalesce(unique_cumulative.grouped_by, '')
    where properties.charge_model <> 'dynamic'
),

amounts as (
    {{ charge_amount_query('inputs', 'ranges') }}
),

final as (
    select
        inputs.charge_period_id,
        inputs.as_of_usage_date,
        inputs.charge_lago_id,
        inputs.charge_filter_index,
        inputs.grouped_by,
        inputs.units,
        inputs.events_count,
        amounts.precise_amount_minor as cumulative_precise_amount_minor,
        {{ round_minor('amounts.precise_amount_minor') }} as cumulative_amount_minor
    from inputs
    inner join amounts on inputs.price_key = amounts.price_key
)

select * from final
