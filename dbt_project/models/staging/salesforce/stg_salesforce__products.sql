with source as (
    {{ latest_source_version(source('salesforce', 'sf_products'), 'id', ['system_modstamp', 'synced_at']) }}
),

final as (
    select
        id as salesforce_product_id,
        name as product_name,
        product_code,
        family as product_family,
        is_active,
        is_deleted,
        custom_fields_json,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
