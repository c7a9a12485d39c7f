with source as ({{ salesforce_latest('sf_opportunity_line_items') }}),

final as (
    select
        id as salesforce_opportunity_line_item_id,
        opportunity_id as salesforce_opportunity_id,
        product2_id as salesforce_product_id,
        pricebook_entry_id as salesforce_pricebook_entry_id,
        product_code,
        name as line_item_name,
        cast(quantity as decimal(38, 12)) as quantity,
        cast(unit_price_minor as bigint) as unit_price_amount_minor,
        cast(list_price_minor as bigint) as list_price_amount_minor,
        cast(total_price_minor as bigint) as total_price_amount_minor,
        currency_iso_code as currency,
        cast(service_date as date) as service_date,
        is_deleted,
        custom_fields_json,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
