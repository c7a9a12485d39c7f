-- Usage events as landed; the first-wins dedup by (external_subscription_id, transaction_id)
-- already happened at ingestion (raw.duplicates), so this is rename + cast only.
with source as (
    select * from {{ source('usage', 'usage_events') }}
),

final as (
    select
        event_key,
        event_format,
        transaction_id,
        external_subscription_id,
        external_customer_id,
        code as billable_metric_code,
        cast(event_at as timestamp) as event_at,
        cast(event_date as date) as event_date,
        properties_json,
        cast(precise_total_amount_cents as decimal(38, 12)) as precise_total_amount_cents,
        ce_source,
        ce_type,
        _source_file,
        _file_sha256,
        _row_number,
        _ingested_at
    from source
)

select * from final
