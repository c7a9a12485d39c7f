-- The report date of revenue recognition: the last whole day before the `as_of` instant (var
-- `as_of`, else the settings row `as_of`): as_of 2026-07-01T00:00Z -> 2026-06-30. Without an
-- as_of it is the run date. Nothing dated after it is posted (it is deferred, scheduled or RPO).
with settings as (
    select * from {{ ref('stg_reference__settings') }}
),

as_of as (
    select
        coalesce(
            {% if var('as_of', none) %}cast('{{ var("as_of") }}' as timestamp),{% endif %}
            (select cast(max(value) as timestamp) from settings where key = 'as_of')
        ) as as_of_at
),

final as (
    select
        as_of.as_of_at,
        case
            when as_of.as_of_at is null then cast({{ dbt.current_timestamp() }} as date)
            else cast({{ dbt.dateadd('day', -1, 'cast(as_of.as_of_at as date)') }} as date)
        end as report_date,
        case when as_of.as_of_at is null then 'run_date' else 'as_of' end as report_date_source
    from as_of
)

select * from final
