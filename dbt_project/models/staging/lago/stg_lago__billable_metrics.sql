with source as ({{ latest_version(source('lago', 'lago_billable_metrics'), 'lago_id') }}),

final as (
    select
        lago_id as lago_billable_metric_id,
        code as billable_metric_code,
        name as billable_metric_name,
        aggregation_type,
        field_name,
        coalesce(recurring, false) as is_recurring,
        weighted_interval,
        rounding_function,
        rounding_precision,
        expression,
        created_at,
        {{ lineage_columns() }}
    from source
)

select * from final
