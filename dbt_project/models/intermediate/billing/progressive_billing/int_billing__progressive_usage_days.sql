-- Progressive billing input (pricing.md 4): for plans with usage thresholds, the cumulative
-- in-arrears charge amount from the charge period's start to the end of each local day that
-- had usage, per fee key (charge × filter × pricing group), priced with the same charge
-- models as the period-end fee. Checked per day, not per event (documented choice), and
-- never past the billing instant (`as_of`): days before the local day of `as_of` are read
-- whole from the pre-aggregates; that day itself only up to `as_of`, from its resolved events
-- (the pre-aggregates are per whole day); later days not at all. So an event after `as_of`
-- is neither billed by a threshold invoice nor fires one.
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

-- The events of the billing day only: a literal bound first, so the scan reads about one
-- day of events (macros/invoicing/invoicing.sql), then the exact rule in partial_day.
resolved_events as (
    select *
    from {{ ref('int_billing__usage_events_resolved') }}
    where is_charged
        and event_at > {{ progressive_partial_day_after_literal() }}
),

ranges as (
    select * from {{ ref('stg_lago__charge_ranges') }}
),

billing_now as (
    select {{ rating_as_of_at(ref('stg_reference__settings')) }} as as_of_at
),

threshold_periods as (
    select charge_periods.*, billing_now.as_of_at
    from charge_periods
    inner join thresholds on charge_periods.plan_code = thresholds.plan_code
    cross join billing_now
),

-- whole local days before the billing day (charge_periods.as_of_date is the local date of
-- as_of in the subscription's timezone, as the events' usage_date)
whole_days as (
    select
        threshold_periods.charge_period_id,
        usage_daily.charge_lago_id,
        usage_daily.billable_metric_code,
        usage_daily.charge_filter_index,
        usage_daily.grouped_by,
        usage_daily.usage_date,
        usage_daily.events_count,
        usage_daily.value_sum,
        usage_daily.value_max
    from threshold_periods
    inner join usage_daily
        on threshold_periods.lago_subscription_id = usage_daily.lago_subscription_id
        and usage_daily.usage_date between threshold_periods.charge_service_start_date and threshold_periods.charge_service_end_date
        and usage_daily.usage_date < threshold_periods.as_of_date
),

-- the billing day up to the billing instant, measured as usage_daily measures (events_count
-- counts billable events; value_sum/value_max skip events without a usable value)
partial_day as (
    select
        threshold_periods.charge_period_id,
        resolved_events.charge_lago_id,
        resolved_events.billable_metric_code,
        resolved_events.charge_filter_index,
        resolved_events.grouped_by,
        resolved_events.usage_date,
        count(case when resolved_events.is_billable then 1 end) as events_count,
        sum(resolved_events.field_value) as value_sum,
        max(resolved_events.field_value) as value_max
    from threshold_periods
    inner join resolved_events
        on threshold_periods.lago_subscription_id = resolved_events.lago_subscription_id
        and resolved_events.usage_date = threshold_periods.as_of_date
        and resolved_events.usage_date between threshold_periods.charge_service_start_date and threshold_periods.charge_service_end_date
        and resolved_events.event_at <= threshold_periods.as_of_at
    group by threshold_periods.charge_period_id, resolved_events.charge_lago_id, resolved_events.billable_metric_code,
        resolved_events.charge_filter_index, resolved_events.grouped_by, resolved_events.usage_date
    having count(case when resolved_events.is_billable then 1 end) > 0
),

in_window as (
    select
        usage_rows.charge_period_id,
        charge_periods.currency_exponent,
        usage_rows.charge_lago_id,
        usage_rows.billable_metric_code,
        usage_rows.charge_filter_index,
        usage_rows.grouped_by,
        usage_rows.usage_date,
        usage_rows.events_count,
        usage_rows.value_sum,
        usage_rows.value_max,
        metrics.aggregation_type,
        metrics.is_recurring,
        metrics.rounding_function,
        metrics.rounding_precision
    from (
        select * from whole_days
        union all
        select * from partial_day
    ) as usage_rows
    inner join charge_periods on usage_rows.charge_period_id = charge_periods.charge_period_id
    inner join metrics on usage_rows.billable_metric_code = metrics.billable_metric_code
),

usage_days as (
    select distinct charge_period_id, usage_date as as_of_usage_date from in_window
),

-- a value counts from the day it was first seen; on the billing day only if first seen by
-- the billing instant (the pre-aggregate keeps the first instant per day and load)
first_seen as (
    select
        threshold_periods.charge_period_id,
        unique_values.charge_lago_id,
        unique_values.charge_filter_index,
        unique_values.grouped_by,
        unique_values.unique_value,
        min(unique_values.usage_date) as first_seen_date
    from threshold_periods
    inner join unique_values
        on threshold_periods.lago_subscription_id = unique_values.lago_subscription_id
        and unique_values.usage_date between threshold_periods.charge_service_start_date and threshold_periods.charge_service_end_date
        and (
            unique_values.usage_date < threshold_periods.as_of_date
            or (unique_values.usage_date = threshold_periods.as_of_date and unique_values.first_seen_at <= threshold_periods.as_of_at)
        )
    group by threshold_periods.charge_period_id, unique_values.charge_lago_id, unique_values.charge_filter_index,
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
        {{ round_minor('amounts.precise_amount_minor') }} as cumulative_amount_minor,
        -- the instant usage is counted up to: the end of the local day, or the billing instant
        -- on the billing day
        case
            when inputs.as_of_usage_date = threshold_periods.as_of_date then threshold_periods.as_of_at
            else {{ local_date_end_at('inputs.as_of_usage_date', 'threshold_periods.timezone') }}
        end as usage_through_at
    from inputs
    inner join amounts on inputs.price_key = amounts.price_key
    inner join threshold_periods on inputs.charge_period_id = threshold_periods.charge_period_id
)

select * from final
