with source as ({{ latest_version(source('lago', 'lago_taxes'), 'code') }}),

final as (
    select
        lago_id as lago_tax_id,
        code as tax_code,
        name as tax_name,
        cast(rate as decimal(18, 6)) as tax_rate,
        coalesce(applied_to_organization, false) as is_applied_to_organization,
        created_at,
        {{ lineage_columns() }}
    from source
)

select * from final
