with source as ({{ salesforce_latest('sf_tasks') }}),

final as (
    select
        id as salesforce_task_id,
        -- WhoId: a contact or lead; WhatId: an account, opportunity, contract… (polymorphic)
        who_id as who_salesforce_id,
        what_id as what_salesforce_id,
        account_id as salesforce_account_id,
        subject,
        status as task_status,
        priority,
        task_subtype,
        cast(activity_date as date) as activity_date,
        is_closed,
        owner_id as owner_salesforce_user_id,
        cast(created_at as timestamp) as created_at,
        is_deleted,
        custom_fields_json,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
