with source as ({{ salesforce_latest('sf_opportunities') }}),

final as (
    select
        id as salesforce_opportunity_id,
        account_id as salesforce_account_id,
        name as opportunity_name,
        stage_name,
        type as opportunity_type,
        lead_source,
        is_won,
        is_closed,
        is_deleted,
        cast(close_date as date) as close_date,
        cast(amount_minor as bigint) as amount_minor,
        currency_iso_code as currency,
        owner_id as owner_salesforce_user_id,
        pricebook2_id as salesforce_pricebook_id,
        cast(created_at as timestamp) as created_at,
        custom_fields_json,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
