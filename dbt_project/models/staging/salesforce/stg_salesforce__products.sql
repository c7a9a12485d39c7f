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
        cast(system_modstamp as timestamp) as system_modstamp_at,
        cast(synced_at as timestamp) as fivetran_synced_at,
        is_fivetran_active,
        _source_file,
        _row_number,
        _ingested_at
    from source
)

select * from final
