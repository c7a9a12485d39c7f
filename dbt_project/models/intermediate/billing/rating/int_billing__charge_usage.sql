-- Units of every charge over every charge period (pricing.md 1), from the daily
-- pre-aggregates only: one row per charge period × charge × charge filter × pricing group.
-- Charges with no usage still get a row (filter 0 … n, no group), because graduated and
-- volume charges bill their first tier's flat amount at 0 units.
-- usage_daily may hold several rows per key and day (one per ingestion batch): every
-- measure below is aggregated over rows, never read from "the" row of a day.
with charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

charges as (
    select * from {{ ref('stg_lago__charges') }}
),

charge_filters as (
    select * from {{ ref('stg_lago__charge_filters') }}
),

metrics as (
    select * from {{ ref('stg_lago__billable_metrics') }}
),

usage_daily as (
    select * from {{ ref('int_billing__usage_daily') }}
),

unique_values as (
    select * from {{ ref('int_billing__usage_daily_unique_values') }}
),

filter_indexes as (
    select charge_lago_id, 0 as charge_filter_index from charges
    union all
    select charge_lago_id, charge_filter_index from charge_filters
),

spine as (
    select
        charge_periods.charge_period_id,
        charge_periods.lago_subscription_id,
        charge_periods.charge_service_start_date,
        charge_periods.charge_service_end_date,
        charge_periods.charge_full_period_days,
        charge_periods.charge_from_at,
        charge_periods.charge_end_exclusive_at,
        charges.charge_lago_id,
        charges.billable_metric_code,
        charges.is_prorated,
        metrics.aggregation_type,
        metrics.is_recurring,
        metrics.rounding_function,
        metrics.rounding_precision,
        filter_indexes.charge_filter_index
    from charge_periods
    inner join charges on charge_periods.plan_code = charges.plan_code
    inner join metrics on charges.billable_metric_code = metrics.billable_metric_code
    inner join filter_indexes on charges.charge_lago_id = filter_indexes.charge_lago_id
),

-- Versions of one external subscription (upgrade, downgrade) keep the external id; a
-- version starts at its first charge period's opening instant.
versions as (
    select
        lago_subscription_id,
        external_subscription_id,
        plan_code,
        min(charge_from_at) as version_started_at
    from charge_periods
    group by lago_subscription_id, external_subscription_id, plan_code
),

-- Events reach every charge of the plan on their metric, so an earlier version hands over
-- the usage of one charge per metric (the lowest id): two charges on one metric would
-- otherwise carry the same events twice.
handover_charges as (
    select plan_code, billable_metric_code, min(charge_lago_id) as charge_lago_id
    from charges
    group by plan_code, billable_metric_code
),

-- Recurring levels live on the external subscription, not on a version (Lago scopes
-- recurring events by external id): every earlier version's usage on the same metric, same
-- filter index, is carried into the period. Non-recurring metrics never carry.
carried_sources as (
    select
        spine.charge_period_id,
        spine.charge_lago_id,
        spine.charge_filter_index,
        spine.charge_service_start_date,
        spine.charge_service_end_date,
        earlier_versions.lago_subscription_id as source_subscription_id,
        handover_charges.charge_lago_id as source_charge_lago_id
    from spine
    inner join versions as current_versions
        on spine.lago_subscription_id = current_versions.lago_subscription_id
    inner join versions as earlier_versions
        on current_versions.external_subscription_id = earlier_versions.external_subscription_id
        and earlier_versions.version_started_at < current_versions.version_started_at
    inner join handover_charges
        on earlier_versions.plan_code = handover_charges.plan_code
        and spine.billable_metric_code = handover_charges.billable_metric_code
    where spine.is_recurring
        and spine.aggregation_type in ('sum_agg', 'unique_count_agg', 'weighted_sum_agg')
),

-- Where a period's usage is read from: its own version and charge (for recurring metrics,
-- seats, every day since the subscription started; otherwise the window's days), and for
-- recurring metrics the earlier versions' handover charge. An earlier version's days are all
-- before this version started (its events resolve to it only while it was live), so they
-- only open the level; only the version's own window days count for events_count and latest.
usage_sources as (
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        charge_service_start_date,
        charge_service_end_date,
        lago_subscription_id as source_subscription_id,
        charge_lago_id as source_charge_lago_id,
        false as is_carried,
        is_recurring as has_no_lower_bound
    from spine
    union all
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        charge_service_start_date,
        charge_service_end_date,
        source_subscription_id,
        source_charge_lago_id,
        true as is_carried,
        true as has_no_lower_bound
    from carried_sources
),

windowed as (
    select
        usage_sources.charge_period_id,
        usage_sources.charge_lago_id,
        usage_sources.charge_filter_index,
        usage_daily.grouped_by,
        not usage_sources.is_carried and usage_daily.usage_date >= usage_sources.charge_service_start_date as is_in_window,
        -- days from the usage day to the window's last day, both inclusive (prorated charges)
        case
            when usage_sources.is_carried then 0
            else {{ days_inclusive('usage_daily.usage_date', 'usage_sources.charge_service_end_date') }}
        end as days_remaining,
        usage_daily.events_count,
        usage_daily.value_sum,
        usage_daily.value_max,
        usage_daily.latest_value,
        usage_daily.latest_event_at,
        usage_daily.weighted_moment_sum,
        usage_daily.precise_total_amount_cents_sum
    from usage_sources
    inner join usage_daily
        on usage_sources.source_subscription_id = usage_daily.lago_subscription_id
        and usage_sources.source_charge_lago_id = usage_daily.charge_lago_id
        and usage_sources.charge_filter_index = usage_daily.charge_filter_index
        and usage_daily.usage_date <= usage_sources.charge_service_end_date
        and (usage_sources.has_no_lower_bound or usage_daily.usage_date >= usage_sources.charge_service_start_date)
),

window_totals as (
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        grouped_by,
        sum(case when is_in_window then events_count else 0 end) as events_count,
        sum(value_sum) as value_sum_all,
        sum(case when is_in_window then value_sum else 0 end) as value_sum_window,
        sum(case when not is_in_window then value_sum else 0 end) as carried_level,
        sum(case when is_in_window then {{ exact_multiply('value_sum', 'days_remaining') }} else 0 end) as value_day_sum_window,
        max(case when is_in_window then value_max end) as value_max,
        sum(case when is_in_window then weighted_moment_sum else 0 end) as weighted_moment_sum,
        sum(case when is_in_window then precise_total_amount_cents_sum else 0 end) as precise_total_amount_cents_sum
    from windowed
    group by charge_period_id, charge_lago_id, charge_filter_index, grouped_by
),

latest as (
    select charge_period_id, charge_lago_id, charge_filter_index, grouped_by, latest_value
    from (
        select
            windowed.*,
            -- the value breaks a tie between batch rows of the same instant, so reruns agree
            row_number() over (
                partition by charge_period_id, charge_lago_id, charge_filter_index, grouped_by
                order by latest_event_at desc, latest_value desc
            ) as recency_rank
        from windowed
        where is_in_window and latest_event_at is not null
    ) as ranked
    where recency_rank = 1
),

unique_rows as (
    select
        usage_sources.charge_period_id,
        usage_sources.charge_lago_id,
        usage_sources.charge_filter_index,
        usage_sources.charge_service_start_date,
        usage_sources.charge_service_end_date,
        unique_values.grouped_by,
        unique_values.unique_value,
        unique_values.usage_date,
        unique_values.add_events_count,
        unique_values.last_event_at,
        unique_values.is_last_removed
    from usage_sources
    inner join unique_values
        on usage_sources.source_subscription_id = unique_values.lago_subscription_id
        and usage_sources.source_charge_lago_id = unique_values.charge_lago_id
        and usage_sources.charge_filter_index = unique_values.charge_filter_index
        and unique_values.usage_date <= usage_sources.charge_service_end_date
        and (usage_sources.has_no_lower_bound or unique_values.usage_date >= usage_sources.charge_service_start_date)
),

-- One row per distinct value and day read (loads and carried versions merged): whether the
-- day had an add, and whether its last operation was a remove (the latest instant among the
-- rows; a remove at the same instant as an add is last, pricing.md 1 as documented in yml).
unique_days as (
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        grouped_by,
        unique_value,
        usage_date,
        min(charge_service_start_date) as window_start_date,
        min(charge_service_end_date) as window_end_date,
        sum(add_events_count) > 0 as has_add,
        coalesce(max(case when is_last_removed then last_event_at end) = max(last_event_at), false) as is_removed_at_day_end
    from unique_rows
    group by charge_period_id, charge_lago_id, charge_filter_index, grouped_by, unique_value, usage_date
),

-- Each value's days in order: the state it entered the day with (the previous day's last
-- operation; none before its first event) and the next day it has events on.
unique_states as (
    select
        unique_days.*,
        lag(is_removed_at_day_end) over (
            partition by charge_period_id, charge_lago_id, charge_filter_index, grouped_by, unique_value
            order by usage_date
        ) as entered_removed,
        lead(usage_date) over (
            partition by charge_period_id, charge_lago_id, charge_filter_index, grouped_by, unique_value
            order by usage_date
        ) as next_usage_date,
        row_number() over (
            partition by charge_period_id, charge_lago_id, charge_filter_index, grouped_by, unique_value
            order by usage_date desc
        ) as recency_rank
    from unique_days
),

-- A value is held on a day with events when it was added that day or entered it held (so
-- the day of its remove counts, as Lago's prorated unique count), and on the days up to its
-- next event day when the day ended on an add. Only the window's days count.
unique_spans as (
    select
        unique_states.*,
        case
            when usage_date >= window_start_date and (has_add or entered_removed = false) then 1
            else 0
        end as held_event_day,
        case
            when {{ dbt.dateadd('day', 1, 'usage_date') }} > window_start_date
                then cast({{ dbt.dateadd('day', 1, 'usage_date') }} as date)
            else window_start_date
        end as gap_from_date,
        case
            when next_usage_date is not null and next_usage_date <= window_end_date
                then cast({{ dbt.dateadd('day', -1, 'next_usage_date') }} as date)
            else window_end_date
        end as gap_to_date
    from unique_states
),

unique_held as (
    select
        unique_spans.*,
        held_event_day + case
            when not is_removed_at_day_end and gap_to_date >= gap_from_date
                then {{ days_inclusive('gap_from_date', 'gap_to_date') }}
            else 0
        end as held_days
    from unique_spans
),

-- A value counts when its last event read (the window's, or for recurring metrics every
-- event up to the window's end) is an add; prorated charges bill each value for its held days.
uniques as (
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        grouped_by,
        sum(case when recency_rank = 1 and not is_removed_at_day_end then 1 else 0 end) as unique_count,
        sum(held_days) as unique_value_days
    from unique_held
    group by charge_period_id, charge_lago_id, charge_filter_index, grouped_by
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
        latest.latest_value,
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
        on keys.charge_period_id = window_totals.charge_period_id
        and keys.charge_lago_id = window_totals.charge_lago_id
        and keys.charge_filter_index = window_totals.charge_filter_index
        and coalesce(keys.grouped_by, '') = coalesce(window_totals.grouped_by, '')
    left join latest
        on keys.charge_period_id = latest.charge_period_id
        and keys.charge_lago_id = latest.charge_lago_id
        and keys.charge_filter_index = latest.charge_filter_index
        and coalesce(keys.grouped_by, '') = coalesce(latest.grouped_by, '')
    left join uniques
        on keys.charge_period_id = uniques.charge_period_id
        and keys.charge_lago_id = uniques.charge_lago_id
        and keys.charge_filter_index = uniques.charge_filter_index
        and coalesce(keys.grouped_by, '') = coalesce(uniques.grouped_by, '')
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
