{{ usage_preaggregate_config() }}
-- depends_on: {{ ref('stg_usage__events') }} (the post-hook usage_log_load reads it)
-- The pre-aggregate rating reads instead of raw events: one row per subscription version ×
-- charge × charge filter × pricing group × local day × load (the ingestion runs whose events
-- a dbt run aggregated; a full build is one load). Every measure is decomposable across days
-- and loads (sums, max, latest with its instant, weighted-sum moments), so an incremental run
-- appends the new events' rows and readers aggregate over them (macros/rating/usage.sql);
-- distinct values live in int_billing__usage_daily_unique_values.
-- Events on a charge are read; the rules on the field value (missing, not numeric) are
-- applied inside the aggregates instead of in this filter, because a filter would parse the
-- JSON value a second time (a filter and the projection under it do not share the work). An
-- event failing them has a null field_value, so the value measures skip it unaided; the
-- others count billable events only, and a group of only such events is dropped (final).
with resolved as (
    select *
    from {{ ref('int_billing__usage_events_resolved') }}
    where is_charged
        {{ usage_new_events_filter() }}
),

-- the external subscription id and the metric follow from the version and the charge: read
-- back after the aggregate, so the group-by hashes two strings fewer per event
subscriptions as (
    select lago_subscription_id, external_subscription_id from {{ ref('stg_lago__subscriptions') }}
),

charges as (
    select charge_lago_id, billable_metric_code from {{ ref('stg_lago__charges') }}
),

catalog as (
    {{ usage_catalog_fingerprint() }}
),

-- time-weighted metrics need Σ increment and Σ increment × instant: with them the integral of
-- the level over any later window end E is E × Σ inc − Σ inc × t (pricing.md 1). The latest
-- value rides in one sortable text key (zero-padded epoch microseconds | value), so one
-- aggregate pass finds it without a window over the day's events.
measured as (
    select
        resolved.*,
        case when aggregation_type = 'weighted_sum_agg'
            then {{ exact_multiply('field_value', epoch_seconds('event_at')) }}
        end as weighted_moment,
        case when aggregation_type = 'latest_agg'
            then {{ dbt.concat(["lpad(cast(" ~ dbt.datediff("cast('1970-01-01' as timestamp)", 'event_at', 'microsecond') ~ " as " ~ dbt.type_string() ~ "), 20, '0')", "'|'", "cast(field_value as " ~ dbt.type_string() ~ ")"]) }}
        end as latest_key,
        case when aggregation_type = 'latest_agg' and is_billable then event_at end as latest_candidate_at,
        case when is_billable then event_at end as billable_event_at
    from resolved
),

aggregated as (
    select
        lago_subscription_id,
        charge_lago_id,
        charge_filter_index,
        grouped_by,
        usage_date,
        count(case when is_billable then 1 end) as events_count,
        sum(field_value) as value_sum,
        max(field_value) as value_max,
        max(latest_key) as latest_key,
        max(latest_candidate_at) as latest_event_at,
        sum(weighted_moment) as weighted_moment_sum,
        sum(case when is_billable then precise_total_amount_cents end) as precise_total_amount_cents_sum,
        min(billable_event_at) as first_event_at,
        max(billable_event_at) as last_event_at,
        min(case when is_billable then _ingested_at end) as _min_ingested_at,
        max(case when is_billable then _ingested_at end) as _max_ingested_at
    from measured
    group by lago_subscription_id, charge_lago_id, charge_filter_index, grouped_by, usage_date
),

final as (
    select
        -- a later load's rows have a later _max_ingested_at (its events are all newer than the
        -- watermark), so the key stays unique across appended loads
        {{ rating_hash(['aggregated.lago_subscription_id', 'aggregated.charge_lago_id', 'aggregated.charge_filter_index', 'aggregated.grouped_by', 'aggregated.usage_date', 'aggregated._max_ingested_at']) }} as usage_daily_id,
        aggregated.lago_subscription_id,
        subscriptions.external_subscription_id,
        aggregated.charge_lago_id,
        charges.billable_metric_code,
        aggregated.charge_filter_index,
        aggregated.grouped_by,
        aggregated.usage_date,
        aggregated.events_count,
        cast(aggregated.value_sum as decimal(38, 12)) as value_sum,
        cast(aggregated.value_max as decimal(38, 12)) as value_max,
        cast({{ dbt.split_part('aggregated.latest_key', "'|'", 2) }} as decimal(38, 12)) as latest_value,
        aggregated.latest_event_at,
        cast(aggregated.weighted_moment_sum as decimal(38, 12)) as weighted_moment_sum,
        cast(aggregated.precise_total_amount_cents_sum as decimal(38, 12)) as precise_total_amount_cents_sum,
        aggregated.first_event_at,
        aggregated.last_event_at,
        -- the row's events are those of its keys and day ingested in this range
        aggregated._min_ingested_at,
        aggregated._max_ingested_at,
        catalog.catalog_fingerprint as _catalog_fingerprint
    from aggregated
    cross join catalog
    left join subscriptions on aggregated.lago_subscription_id = subscriptions.lago_subscription_id
    left join charges on aggregated.charge_lago_id = charges.charge_lago_id
    where aggregated.events_count > 0
)

select * from final
