{{ usage_preaggregate_config() }}
-- depends_on: {{ ref('stg_usage__events') }} (the post-hook usage_log_load reads it)
-- Usage events that no fee counts, each with a reason a person understands (pricing.md 1:
-- kept and reported, never billed). One event may appear once per charge it failed for.
-- Incremental like usage_daily (appends the events loaded since its watermark, rebuilds on a
-- catalog change: macros/rating/usage.sql), so a run does not re-resolve history.
with resolved as (
    select * from {{ ref('int_billing__usage_events_resolved') }}
    where unbillable_reason is not null
        {{ usage_new_events_filter() }}
),

catalog as (
    {{ usage_catalog_fingerprint() }}
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
        _ingested_at as _max_ingested_at,
        catalog.catalog_fingerprint as _catalog_fingerprint
    from resolved
    cross join catalog
)

select * from final
