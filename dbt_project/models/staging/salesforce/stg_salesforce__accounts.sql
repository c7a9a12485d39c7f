with source as ({{ salesforce_latest('sf_accounts') }}),

final as (
    select
        id as salesforce_account_id,
        name as account_name,
        billing_country,
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
