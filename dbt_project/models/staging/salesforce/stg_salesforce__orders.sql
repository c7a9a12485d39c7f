with source as ({{ salesforce_latest('sf_orders') }}),

final as (
    select
        id as salesforce_order_id,
        account_id as salesforce_account_id,
        contract_id as salesforce_contract_id,
        opportunity_id as salesforce_opportunity_id,
        order_number,
        status as order_status,
        type as order_type,
        cast(effective_date as date) as effective_date,
        cast(end_date as date) as end_date,
        cast(total_amount_minor as bigint) as total_amount_minor,
        currency_iso_code as currency,
        pricebook2_id as salesforce_pricebook_id,
        cast(activated_at as timestamp) as activated_at,
        owner_id as owner_salesforce_user_id,
        cast(created_at as timestamp) as created_at,
        is_deleted,
        custom_fields_json,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
