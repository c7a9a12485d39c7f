with source as ({{ salesforce_latest('sf_contacts') }}),

final as (
    select
        id as salesforce_contact_id,
        account_id as salesforce_account_id,
        first_name,
        last_name,
        name as contact_name,
        email,
        title,
        lead_source,
        owner_id as owner_salesforce_user_id,
        cast(created_at as timestamp) as created_at,
        is_deleted,
        custom_fields_json,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
