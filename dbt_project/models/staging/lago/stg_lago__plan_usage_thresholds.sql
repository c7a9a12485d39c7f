with source as ({{ children_of_latest(source('lago', 'lago_plan_usage_thresholds'), source('lago', 'lago_plans'), 'plan_code', 'code') }}),

final as (
    select
        lago_id as lago_usage_threshold_id,
        plan_code,
        cast(amount_cents as bigint) as amount_minor,
        coalesce(recurring, false) as is_recurring,
        threshold_display_name,
        {{ lineage_columns() }}
    from source
)

select * from final
