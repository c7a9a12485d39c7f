{{ config(
    materialized='incremental',
    unique_key='unbillable_event_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}
{%- set rebuild = usage_rebuild_window(ref('stg_usage__events'), ref('stg_lago__customers'), ref('stg_reference__billing_entities')) %}
-- Usage events that no fee counts, each with a reason a person understands (pricing.md 1:
-- kept and reported, never billed). One event may appear once per charge it failed for.
-- Incremental like usage_daily (same rebuild window), so a run does not re-resolve history.
with resolved as (
    select * from {{ ref('int_billing__usage_events_resolved') }}
    where unbillable_reason is not null
        and event_date >= {{ rebuild.from_date }}
        and event_at >= {{ rebuild.from_at }}
),

final as (
    select distinct
        {{ rating_hash(['event_key', 'charge_lago_id']) }} as unbillable_event_id,
        event_key,
        transaction_id,
        external_subscription_id,
        external_customer_id,
        billable_metric_code,
        charge_lago_id,
        event_at,
        field_name,
        field_value_text,
        unbillable_reason,
        _source_file,
        _row_number,
        _ingested_at,
        _ingested_at as _max_ingested_at
    from resolved
)

select * from final
