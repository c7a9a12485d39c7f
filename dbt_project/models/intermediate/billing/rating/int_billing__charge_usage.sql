-- Units of every charge over every charge period (pricing.md 1): one row per charge period ×
-- charge × charge filter × pricing group. Assembled from the usage read for the period
-- (int_billing__charge_usage_window_totals: daily pre-aggregates, carried recurring level;
-- int_billing__charge_usage_unique_values: unique counts with add/remove), turned into units by
-- the metric's aggregation (prorated recurring sum and unique count, weighted sum), clamped at
-- 0 and rounded by the metric. Charges with no usage still get a row (filter 0 … n, no group),
-- because graduated and volume charges bill their first tier's flat amount at 0 units.
with usage_sources as (
    select * from {{ ref('int_billing__charge_usage_sources') }}
),

window_totals as (
    select * from {{ ref('int_billing__charge_usage_window_totals') }}
),

uniques as (
    select * from {{ ref('int_billing__charge_usage_unique_values') }}
),

-- one row per charge period × charge × filter: its own version's source row
spine as (
    select
        charge_period_id,
        lago_subscription_id,
        charge_service_start_date,
        charge_service_end_date,
        charge_full_period_days,
        charge_from_at,
        charge_end_exclusive_at,
        charge_lago_id,
        billable_metric_code,
        is_prorated,
        aggregation_type,
        is_recurring,
        rounding_function,
        rounding_precision,
        charge_filter_index
    from usage_sources
    where not is_carried
),

group_keys as (
    select charge_period_id, charge_lago_id, charge_filter_index, grouped_by from window_totals
    union
    select charge_period_id, charge_lago_id, charge_filter_index, grouped_by from uniques
),

keys as (
    select charge_period_id, charge_lago_id, charge_filter_index, grouped_by from group_keys
    union all
    select spine.charge_period_id, spine.charge_lago_id, spine.charge_filter_index, cast(null as {{ dbt.type_string() }}) as grouped_by
    from spine
    where not exists (
        select 1 from group_keys
        where group_keys.charge_period_id = spine.charge_period_id
            and group_keys.charge_lago_id = spine.charge_lago_id
            and group_keys.charge_filter_index = spine.charge_filter_index
    )
),

measured as (
    select
        spine.*,
        keys.grouped_by,
        coalesce(window_totals.events_count, 0) as events_count,
        coalesce(window_totals.value_sum_window, 0) as value_sum_window,
        coalesce(window_totals.value_sum_all, 0) as value_sum_all,
        coalesce(window_totals.carried_level, 0) as carried_level,
        coalesce(window_totals.value_day_sum_window, 0) as value_day_sum_window,
        window_totals.value_max,
        coalesce(window_totals.weighted_moment_sum, 0) as weighted_moment_sum,
        coalesce(window_totals.precise_total_amount_cents_sum, 0) as precise_total_amount_cents_sum,
        window_totals.latest_value,
        coalesce(uniques.unique_count, 0) as unique_count,
        coalesce(uniques.unique_value_days, 0) as unique_value_days,
        {{ days_inclusive('spine.charge_service_start_date', 'spine.charge_service_end_date') }} as service_days,
        {{ epoch_seconds('spine.charge_from_at') }} as from_epoch,
        {{ epoch_seconds('spine.charge_end_exclusive_at') }} as end_epoch
    from keys
    inner join spine
        on keys.charge_period_id = spine.charge_period_id
        and keys.charge_lago_id = spine.charge_lago_id
        and keys.charge_filter_index = spine.charge_filter_index
    left join window_totals
        on {{ same_fee_key('keys', 'window_totals') }}
    left join uniques
        on {{ same_fee_key('keys', 'uniques') }}
),

units_computed as (
    select
        measured.*,
        case aggregation_type
            when 'count_agg' then cast(events_count as decimal(38, 12))
            -- prorated (recurring) sum: the level carried in counts for the days served of
            -- the full period (all of them unless the version starts or ends inside it), each
            -- unit added or removed on day d for (days from d to the end) ÷ full period days
            when 'sum_agg' then case
                when is_recurring and is_prorated then {{ exact_divide(
                    exact_multiply('carried_level', 'service_days') ~ ' + value_day_sum_window',
                    'charge_full_period_days') }}
                when is_recurring then value_sum_all
                else value_sum_window
            end
            when 'max_agg' then coalesce(value_max, 0)
            when 'latest_agg' then coalesce(latest_value, 0)
            -- prorated (recurring) unique count: each distinct value for its days present
            -- ÷ full period days
            when 'unique_count_agg' then case
                when is_recurring and is_prorated then {{ exact_divide('unique_value_days', 'charge_full_period_days') }}
                else cast(unique_count as decimal(38, 12))
            end
            -- Σ level × seconds held ÷ seconds of the full period; the level opens at 0,
            -- or at the carried closing level for recurring metrics
            when 'weighted_sum_agg' then {{ exact_divide(
                exact_multiply('case when is_recurring then carried_level else 0 end', 'end_epoch - from_epoch')
                ~ ' + ' ~ exact_multiply('value_sum_window', 'end_epoch') ~ ' - weighted_moment_sum',
                'charge_full_period_days * 86400') }}
        end as units_raw
    from measured
),

-- negative units clamp to 0 (pricing.md 0)
units_clamped as (
    select
        units_computed.*,
        case
            when units_raw < 0 then cast(0 as decimal(38, 12))
            else cast(units_raw as decimal(38, 12))
        end as units_unrounded
    from units_computed
),

-- the metric's rounding (macros/rating/metric_rounding.sql), after clamping: both are monotone
-- and keep 0, so the order is Lago's
rounded as (
    select
        units_clamped.*,
        {{ metric_rounding('units_unrounded', 'rounding_function', 'rounding_precision') }} as units
    from units_clamped
),

final as (
    select
        charge_period_id,
        lago_subscription_id,
        charge_lago_id,
        billable_metric_code,
        aggregation_type,
        is_recurring,
        charge_filter_index,
        grouped_by,
        events_count,
        units_unrounded,
        units,
        cast(precise_total_amount_cents_sum as decimal(38, 12)) as precise_total_amount_cents_sum
    from rounded
)

select * from final
