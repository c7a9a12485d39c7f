with source as (
    {{ latest_source_version(source('salesforce', 'sf_users'), 'id', ['system_modstamp', 'synced_at']) }}
),

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
