with source as ({{ salesforce_latest('sf_products') }}),

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
