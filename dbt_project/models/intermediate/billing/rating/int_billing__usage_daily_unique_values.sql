{{ usage_preaggregate_config() }}
-- depends_on: {{ ref('stg_usage__events') }} (the post-hook usage_log_load reads it)
-- Distinct values cannot be summed across days, so unique_count_agg keeps this narrow
-- pre-aggregate: one row per subscription version × charge × filter × group × local day ×
-- distinct value × load (appended like usage_daily, macros/rating/usage.sql), with the first
-- instant the value was seen that day among the load's events. Distinct values are a set, so
-- readers count distinct values over these rows.
-- Operations (pricing.md 1, `properties.operation_type`, `add` when absent): the row keeps how
-- many of its events were adds and the day's last operation among the load's events (its
-- instant and whether it was a remove; a remove and an add at the same instant: the remove is
-- last). Both merge across loads (Σ adds; the latest instant, a remove winning a tie), so an
-- appended load never needs the rows already written (int_billing__charge_usage reads them).
with resolved as (
    select *
    from {{ ref('int_billing__usage_events_resolved') }}
    where is_billable
        and aggregation_type = 'unique_count_agg'
        -- on the events' own column, so the filter reaches the event scan before resolution
        and billable_metric_code in (
            select billable_metric_code from {{ ref('stg_lago__billable_metrics') }}
            where aggregation_type = 'unique_count_agg'
        )
        {{ usage_new_events_filter() }}
),

catalog as (
    {{ usage_catalog_fingerprint() }}
),

aggregated as (
    select
        lago_subscription_id,
        external_subscription_id,
        charge_lago_id,
        charge_filter_index,
        grouped_by,
        usage_date,
        field_value_text as unique_value,
        min(event_at) as first_seen_at,
        count(*) as events_count,
        count(case when operation_type = 'add' then 1 end) as add_events_count,
        max(event_at) as last_event_at,
        -- the last event is a remove when a remove holds the latest instant (ties: remove)
        coalesce(max(case when operation_type = 'remove' then event_at end) = max(event_at), false) as is_last_removed,
        max(_ingested_at) as _max_ingested_at
    from resolved
    group by lago_subscription_id, external_subscription_id, charge_lago_id, charge_filter_index,
        grouped_by, usage_date, field_value_text
),

final as (
    select
        {{ rating_hash(['aggregated.lago_subscription_id', 'aggregated.charge_lago_id', 'aggregated.charge_filter_index', 'aggregated.grouped_by', 'aggregated.usage_date', 'aggregated.unique_value', 'aggregated._max_ingested_at']) }} as usage_unique_value_id,
        aggregated.*,
        catalog.catalog_fingerprint as _catalog_fingerprint
    from aggregated
    cross join catalog
)

select * from final
