with source as ({{ salesforce_latest('sf_accounts') }}),

final as (
    select
        id as salesforce_account_id,
        name as account_name,
        billing_country,
        industry,
        -- the Lago customer the account bills as, when the org keeps it in this custom field
        {{ json_get('custom_fields_json', "'external_customer_id__c'") }} as external_customer_id,
        currency_iso_code as currency,
        type as account_type,
        owner_id as owner_salesforce_user_id,
        parent_id as parent_salesforce_account_id,
        is_deleted,
        custom_fields_json,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
