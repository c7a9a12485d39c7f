with overlaid as (
    {{ reference_overlay('period_closes', 'period_closes', ['entity_id', 'period', 'closed_at', 'closed_by'], ['entity_id', 'period']) }}
),

final as (
    select
        entity_id as billing_entity_code,
        period,
        cast(closed_at as timestamp) as closed_at,
        closed_by,
        _is_seed = 1 as is_from_seed,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
