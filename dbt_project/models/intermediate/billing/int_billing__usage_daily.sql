{{ config(
    materialized='incremental',
    unique_key='usage_daily_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}
-- depends_on: {{ ref('stg_usage__events') }}
-- The pre-aggregate rating reads instead of raw events: one row per subscription version ×
-- charge × charge filter × pricing group × local day. Every measure is decomposable across
-- days (sums, max, latest with its instant, weighted-sum moments), except distinct values,
-- which live in int_billing__usage_daily_unique_values.
with resolved as (
    select *
    from {{ ref('int_billing__usage_events_resolved') }}
    where unbillable_reason is null
        and event_date >= {{ usage_rebuild_from_date(ref('stg_usage__events')) }}
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
        case when aggregation_type = 'latest_agg' then event_at end as latest_candidate_at
    from resolved
),

aggregated as (
    select
        lago_subscription_id,
        external_subscription_id,
        charge_lago_id,
        billable_metric_code,
        charge_filter_index,
        grouped_by,
        usage_date,
        count(*) as events_count,
        sum(field_value) as value_sum,
        max(field_value) as value_max,
        max(latest_key) as latest_key,
        max(latest_candidate_at) as latest_event_at,
        sum(weighted_moment) as weighted_moment_sum,
        sum(precise_total_amount_cents) as precise_total_amount_cents_sum,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        max(_ingested_at) as _max_ingested_at
    from measured
    group by lago_subscription_id, external_subscription_id, charge_lago_id, billable_metric_code,
        charge_filter_index, grouped_by, usage_date
),

final as (
    select
        {{ rating_hash(['aggregated.lago_subscription_id', 'aggregated.charge_lago_id', 'aggregated.charge_filter_index', 'aggregated.grouped_by', 'aggregated.usage_date']) }} as usage_daily_id,
        aggregated.lago_subscription_id,
        aggregated.external_subscription_id,
        aggregated.charge_lago_id,
        aggregated.billable_metric_code,
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
        aggregated._max_ingested_at
    from aggregated
    -- a local day is complete only if its events were all re-read (see usage_rebuild_from_date)
    where aggregated.usage_date >= cast({{ dbt.dateadd('day', 1, usage_rebuild_from_date(ref('stg_usage__events'))) }} as date)
)

select * from final
