with source as ({{ salesforce_latest('sf_users') }}),

final as (
    select
        id as salesforce_user_id,
        name as user_name,
        email,
        is_active,
        is_deleted,
        {{ salesforce_sync_columns() }}
    from source
)

select * from final
