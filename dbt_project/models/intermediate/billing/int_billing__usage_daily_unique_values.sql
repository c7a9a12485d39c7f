{{ config(
    materialized='incremental',
    unique_key='usage_unique_value_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}
{%- set rebuild = usage_rebuild_window(ref('stg_usage__events'), ref('stg_lago__customers'), ref('stg_reference__billing_entities')) %}
-- Distinct values cannot be summed across days, so unique_count_agg keeps this narrow
-- pre-aggregate: one row per subscription version × charge × filter × group × local day ×
-- distinct value, with the day's first instant the value was seen.
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
        and event_date >= {{ rebuild.from_date }}
        and event_at >= {{ rebuild.from_at }}
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
        max(_ingested_at) as _max_ingested_at
    from resolved
    group by lago_subscription_id, external_subscription_id, charge_lago_id, charge_filter_index,
        grouped_by, usage_date, field_value_text
),

final as (
    select
        {{ rating_hash(['lago_subscription_id', 'charge_lago_id', 'charge_filter_index', 'grouped_by', 'usage_date', 'unique_value']) }} as usage_unique_value_id,
        aggregated.*
    from aggregated
    where usage_date >= {{ rebuild.keep_from_date }}
)

select * from final
