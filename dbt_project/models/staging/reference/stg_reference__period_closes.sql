-- Closed accounting periods. The reference parser refuses a period that is not YYYY-MM and a
-- closed_at that is not a real time, so the safe casts only guard the seed: a value they cannot
-- read gives null (the view stays readable) and the not_null tests on period_start and closed_at
-- fail the build.
with overlaid as (
    {{ reference_overlay('period_closes', 'period_closes', ['entity_id', 'period', 'closed_at', 'closed_by'], ['entity_id', 'period']) }}
),

final as (
    select
        entity_id as billing_entity_code,
        period,
        {{ reference_try_cast("period || '-01'", "date") }} as period_start,
        nullif(closed_at, '') as closed_at_text,
        {{ reference_try_cast("nullif(closed_at, '')", dbt.type_timestamp()) }} as closed_at,
        closed_by,
        _is_seed = 1 as is_from_seed,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
