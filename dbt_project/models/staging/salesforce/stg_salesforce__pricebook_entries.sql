with source as ({{ salesforce_latest('sf_pricebook_entries') }}),

final as (
    select
        id as salesforce_pricebook_entry_id,
        pricebook2_id as salesforce_pricebook_id,
        product2_id as salesforce_product_id,
        product_code,
        cast(unit_price_minor as bigint) as unit_price_amount_minor,
        currency_iso_code as currency,
        is_active,
        is_deleted,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
