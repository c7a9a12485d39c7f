-- Usage features for the ML anomaly scores (docs/assurance.md §4): one row per external
-- subscription × billable metric × customer-local day, zero-filled over the days a version of
-- the subscription whose plan charges the metric was running, so a silent day is a row.
-- Read from the usage pre-aggregate (several rows per day and load), never from raw events.
with usage_daily as (
    select * from {{ ref('int_billing__usage_daily') }}
),

billable_metrics as (
    select billable_metric_code, aggregation_type from {{ ref('stg_lago__billable_metrics') }}
),

subscriptions as (
    select * from {{ ref('stg_lago__subscriptions') }}
),

charges as (
    select plan_code, billable_metric_code from {{ ref('stg_lago__charges') }}
),

contracted_items as (
    select * from {{ ref('int_assurance__contracted_items') }}
),

numbers as (
    select generated_number - 1 as day_offset from ({{ dbt.generate_series(3700) }}) as numbers
),

-- the day's units in the metric's own aggregation: events for counts, the peak for max and
-- latest, the sum otherwise (summed over loads; the peak is the max over them)
usage_days as (
    select
        usage_daily.external_subscription_id,
        usage_daily.billable_metric_code,
        usage_daily.usage_date,
        sum(usage_daily.events_count) as events_count,
        case
            when max(billable_metrics.aggregation_type) in ('count_agg', 'unique_count_agg')
                then cast(sum(usage_daily.events_count) as decimal(38, 12))
            when max(billable_metrics.aggregation_type) in ('max_agg', 'latest_agg')
                then max(usage_daily.value_max)
            else sum(usage_daily.value_sum)
        end as units
    from usage_daily
    left join billable_metrics on usage_daily.billable_metric_code = billable_metrics.billable_metric_code
    group by usage_daily.external_subscription_id, usage_daily.billable_metric_code, usage_daily.usage_date
),

data_end as (
    select max(usage_date) as data_end_date from usage_days
),

series_start as (
    select external_subscription_id, billable_metric_code, min(usage_date) as first_usage_date
    from usage_days
    group by external_subscription_id, billable_metric_code
),

-- each version whose plan charges the metric, from its start (or the series' first usage)
-- to its termination (or the last day with data)
version_spans as (
    select
        subscriptions.external_subscription_id,
        subscriptions.external_customer_id,
        charges.billable_metric_code,
        case
            when cast(subscriptions.started_at as date) > series_start.first_usage_date
                then cast(subscriptions.started_at as date)
            else series_start.first_usage_date
        end as span_from,
        case
            when subscriptions.terminated_at is not null
                and cast(subscriptions.terminated_at as date) < data_end.data_end_date
                then cast(subscriptions.terminated_at as date)
            else data_end.data_end_date
        end as span_to
    from subscriptions
    inner join charges on subscriptions.plan_code = charges.plan_code
    inner join series_start
        on subscriptions.external_subscription_id = series_start.external_subscription_id
        and charges.billable_metric_code = series_start.billable_metric_code
    cross join data_end
    where subscriptions.started_at is not null
),

spine_days as (
    select distinct
        version_spans.external_subscription_id,
        version_spans.billable_metric_code,
        {{ dbt.dateadd('day', 'numbers.day_offset', 'version_spans.span_from') }} as usage_date
    from version_spans
    inner join numbers
        on numbers.day_offset <= {{ dbt.datediff('version_spans.span_from', 'version_spans.span_to', 'day') }}
),

all_days as (
    select external_subscription_id, billable_metric_code, cast(usage_date as date) as usage_date
    from spine_days
    union
    select external_subscription_id, billable_metric_code, usage_date from usage_days
),

customers as (
    select external_subscription_id, max(external_customer_id) as external_customer_id
    from subscriptions
    group by external_subscription_id
),

series as (
    select
        all_days.external_subscription_id,
        all_days.billable_metric_code,
        all_days.usage_date,
        coalesce(usage_days.units, 0) as units,
        coalesce(usage_days.events_count, 0) as events_count
    from all_days
    left join usage_days
        on all_days.external_subscription_id = usage_days.external_subscription_id
        and all_days.billable_metric_code = usage_days.billable_metric_code
        and all_days.usage_date = usage_days.usage_date
),

-- the baseline 28 days before the day (d-28 .. d-1) and the last 7 days (d-6 .. d)
history_pairs as (
    select
        series.external_subscription_id,
        series.billable_metric_code,
        series.usage_date,
        earlier.units as earlier_units,
        earlier.events_count as earlier_events_count,
        {{ dbt.datediff('earlier.usage_date', 'series.usage_date', 'day') }} as days_back
    from series
    inner join series as earlier
        on series.external_subscription_id = earlier.external_subscription_id
        and series.billable_metric_code = earlier.billable_metric_code
        and earlier.usage_date >= {{ dbt.dateadd('day', -28, 'series.usage_date') }}
        and earlier.usage_date <= series.usage_date
),

baseline as (
    select
        external_subscription_id,
        billable_metric_code,
        usage_date,
        count(case when days_back >= 1 then 1 end) as history_days,
        count(case when days_back >= 1 and earlier_events_count > 0 then 1 end) as active_days_28d,
        percentile_cont(0.5) within group (
            order by case when days_back >= 1 then earlier_units end
        ) as median_units_28d,
        max(case when days_back >= 1 then earlier_units end) as max_units_28d,
        avg(case when days_back >= 7 and mod(days_back, 7) = 0 then earlier_units end) as same_weekday_mean_units,
        avg(case when days_back <= 6 then earlier_units end) as mean_units_7d,
        sum(case when days_back <= 6 then earlier_events_count end) as events_7d,
        avg(case when days_back >= 1 then earlier_events_count end) as mean_events_28d
    from history_pairs
    group by external_subscription_id, billable_metric_code, usage_date
),

-- median absolute deviation from the baseline median, over the same 28 days
baseline_mad as (
    select
        history_pairs.external_subscription_id,
        history_pairs.billable_metric_code,
        history_pairs.usage_date,
        percentile_cont(0.5) within group (
            order by case
                when history_pairs.days_back >= 1
                    then abs(history_pairs.earlier_units - baseline.median_units_28d)
            end
        ) as mad_units_28d
    from history_pairs
    inner join baseline
        on history_pairs.external_subscription_id = baseline.external_subscription_id
        and history_pairs.billable_metric_code = baseline.billable_metric_code
        and history_pairs.usage_date = baseline.usage_date
    group by history_pairs.external_subscription_id, history_pairs.billable_metric_code, history_pairs.usage_date
),

last_event as (
    select
        external_subscription_id,
        billable_metric_code,
        usage_date,
        max(case when events_count > 0 then usage_date end) over (
            partition by external_subscription_id, billable_metric_code
            order by usage_date
            rows between unbounded preceding and current row
        ) as last_event_date
    from series
),

-- a plan change of the subscription that took effect in the 28 days up to the day
plan_changes as (
    select
        external_subscription_id,
        cast(started_at as date) as change_date
    from subscriptions
    where previous_plan_code is not null and started_at is not null
),

-- the customer's contracted quantity on the metric (its charge) or the plan fee (seats),
-- today against 28 days earlier: an upsize explains a surge
contracted as (
    select
        series.external_subscription_id,
        series.billable_metric_code,
        series.usage_date,
        sum(case
            when contracted_items.start_date <= series.usage_date
                and (contracted_items.end_date is null or contracted_items.end_date >= series.usage_date)
                then contracted_items.quantity else 0
        end) as quantity_now,
        sum(case
            when contracted_items.start_date <= {{ dbt.dateadd('day', -28, 'series.usage_date') }}
                and (contracted_items.end_date is null
                    or contracted_items.end_date >= {{ dbt.dateadd('day', -28, 'series.usage_date') }})
                then contracted_items.quantity else 0
        end) as quantity_before
    from series
    inner join customers on series.external_subscription_id = customers.external_subscription_id
    inner join contracted_items
        on customers.external_customer_id = contracted_items.external_customer_id
        and (contracted_items.charge_code = series.billable_metric_code or contracted_items.charge_code is null)
    group by series.external_subscription_id, series.billable_metric_code, series.usage_date
),

final as (
    select
        {{ dbt.hash(dbt.concat(["series.external_subscription_id", "'|'", "series.billable_metric_code", "'|'", "cast(series.usage_date as " ~ dbt.type_string() ~ ")"])) }} as usage_feature_id,
        customers.external_customer_id,
        series.external_subscription_id,
        series.billable_metric_code,
        series.usage_date,
        series.units,
        series.events_count,
        baseline.history_days,
        baseline.active_days_28d,
        cast(baseline.median_units_28d as decimal(38, 6)) as median_units_28d,
        cast(baseline_mad.mad_units_28d as decimal(38, 6)) as mad_units_28d,
        baseline.max_units_28d,
        cast(baseline.same_weekday_mean_units as decimal(38, 6)) as same_weekday_mean_units,
        cast(baseline.mean_units_7d as decimal(38, 6)) as mean_units_7d,
        baseline.events_7d,
        cast(baseline.mean_events_28d as decimal(38, 6)) as mean_events_28d,
        {{ dbt.datediff('last_event.last_event_date', 'series.usage_date', 'day') }} as days_since_last_event,
        -- how regular the series was before its current gap: active days of the 29 up to and
        -- including the last event (that day's baseline, plus the day itself)
        gap_start.active_days_28d + 1 as active_days_before_gap,
        coalesce(contracted.quantity_now, 0) - coalesce(contracted.quantity_before, 0) as contracted_quantity_change_28d,
        exists (
            select 1 from plan_changes
            where plan_changes.external_subscription_id = series.external_subscription_id
                and plan_changes.change_date > {{ dbt.dateadd('day', -28, 'series.usage_date') }}
                and plan_changes.change_date <= series.usage_date
        ) as has_plan_change_28d
    from series
    inner join baseline
        on series.external_subscription_id = baseline.external_subscription_id
        and series.billable_metric_code = baseline.billable_metric_code
        and series.usage_date = baseline.usage_date
    inner join baseline_mad
        on series.external_subscription_id = baseline_mad.external_subscription_id
        and series.billable_metric_code = baseline_mad.billable_metric_code
        and series.usage_date = baseline_mad.usage_date
    inner join last_event
        on series.external_subscription_id = last_event.external_subscription_id
        and series.billable_metric_code = last_event.billable_metric_code
        and series.usage_date = last_event.usage_date
    left join baseline as gap_start
        on last_event.external_subscription_id = gap_start.external_subscription_id
        and last_event.billable_metric_code = gap_start.billable_metric_code
        and last_event.last_event_date = gap_start.usage_date
    left join customers on series.external_subscription_id = customers.external_subscription_id
    left join contracted
        on series.external_subscription_id = contracted.external_subscription_id
        and series.billable_metric_code = contracted.billable_metric_code
        and series.usage_date = contracted.usage_date
)

select * from final
