with source as ({{ children_of_latest(source('lago', 'lago_billable_metric_filters'), source('lago', 'lago_billable_metrics'), 'billable_metric_code', 'code') }}),

final as (
    select distinct
        billable_metric_code,
        filter_key,
        filter_value,
        _source_file,
        _ingested_at
    from source
)

select * from final
