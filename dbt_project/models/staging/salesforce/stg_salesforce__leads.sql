with source as ({{ salesforce_latest('sf_leads') }}),

final as (
    select
        id as salesforce_lead_id,
        name as lead_name,
        company,
        email,
        status as lead_status,
        lead_source,
        country,
        is_converted,
        cast(converted_date as date) as converted_date,
        converted_account_id as converted_salesforce_account_id,
        converted_contact_id as converted_salesforce_contact_id,
        converted_opportunity_id as converted_salesforce_opportunity_id,
        owner_id as owner_salesforce_user_id,
        cast(created_at as timestamp) as created_at,
        is_deleted,
        custom_fields_json,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
