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
        cast(system_modstamp as timestamp) as system_modstamp_at,
        cast(synced_at as timestamp) as fivetran_synced_at,
        is_fivetran_active,
        _source_file,
        _row_number,
        _ingested_at
    from source
)

select * from final
