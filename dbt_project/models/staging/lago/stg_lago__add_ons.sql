with source as ({{ latest_version(source('lago', 'lago_add_ons'), 'lago_id') }}),

final as (
    select
        lago_id as lago_add_on_id,
        code as add_on_code,
        name as add_on_name,
        cast(amount_cents as bigint) as amount_minor,
        amount_currency as currency,
        cast(created_at as timestamp) as created_at,
        {{ lineage_columns() }}
    from source
)

select * from final
