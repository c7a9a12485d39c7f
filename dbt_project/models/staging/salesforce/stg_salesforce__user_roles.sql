with source as ({{ salesforce_latest('sf_user_roles') }}),

final as (
    select
        id as salesforce_user_role_id,
        name as role_name,
        developer_name,
        parent_role_id as parent_salesforce_user_role_id,
        rollup_description,
        is_deleted,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
