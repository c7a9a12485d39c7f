with source as ({{ salesforce_latest('sf_contracts') }}),

final as (
    select
        id as salesforce_contract_id,
        account_id as salesforce_account_id,
        contract_number,
        status as contract_status,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        contract_term as contract_term_months,
        currency_iso_code as currency,
        cast(activated_at as timestamp) as activated_at,
        is_deleted,
        custom_fields_json,
        {{ salesforce_sync_columns() }},
        -- the Closed Won opportunity the contract was signed from, when the org keeps it in
        -- this custom field (Salesforce has no standard Contract → Opportunity link)
        {{ json_get('custom_fields_json', "'opportunity__c'") }} as salesforce_opportunity_id
    from source
)

select * from final
