with overlaid as (
    {{ reference_overlay('settings', 'settings', ['key', 'value', 'note'], ['key']) }}
),

final as (
    select
        key,
        nullif(value, '') as value,
        note,
        _is_seed = 1 as is_from_seed,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
