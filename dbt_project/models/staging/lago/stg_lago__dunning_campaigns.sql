-- A campaign exported with its code only has no lago_id: the code names it then.
with source as ({{ latest_version(source('lago', 'lago_dunning_campaigns'), 'coalesce(lago_id, code)') }}),

final as (
    select
        coalesce(lago_id, code) as dunning_campaign_key,
        lago_id as lago_dunning_campaign_id,
        code as dunning_campaign_code,
        name as dunning_campaign_name,
        description,
        coalesce(applied_to_organization, false) as is_applied_to_organization,
        days_between_attempts,
        max_attempts,
        bcc_emails,
        created_at,
        updated_at,
        deleted_at,
        deleted_at is not null as is_deleted,
        {{ lineage_columns() }}
    from source
)

select * from final
