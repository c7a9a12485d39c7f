{#- A view: it says which periods earlier builds froze, so it must be read when used, never left
    from before this build's freeze (a partial build would post into a frozen period). -#}
{{ config(materialized='view') }}
{#- Closed accounting periods (A10) and where a late fact of each goes. A period counts as
    closed when its reference/period_closes row was closed at or before the as_of instant (any
    time when there is no as_of), or when an earlier run froze it (fct_frozen_periods: once
    frozen, always closed, even if the close row is later withdrawn). is_frozen = an earlier
    run already froze its postings; a period closed but not yet frozen is frozen by this build
    with what it computes (int_revrec__postings posts it normally). first_open_period_start =
    the first day of the first period after it that is not closed: with contiguous closes that
    is A10's "earliest open period"; with a gap (Feb closed, Jan open) a late February fact
    goes to March, never back into January. -#}
with closes as (
    select * from {{ ref('stg_reference__period_closes') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

frozen_periods as (
    {{ frozen_rows('fct_frozen_periods', {'billing_entity_code': dbt.type_string(), 'period': dbt.type_string(), 'period_start': 'date', 'closed_at': 'timestamp', 'closed_by': dbt.type_string()}, 'frozen_revrec_state') }}
),

closed_now as (
    select closes.billing_entity_code, closes.period, closes.period_start, closes.closed_at, closes.closed_by
    from closes
    cross join report_date
    where closes.period_start is not null
      and (closes.closed_at is null or report_date.as_of_at is null or closes.closed_at <= report_date.as_of_at)
),

closed as (
    select
        frozen_periods.billing_entity_code,
        frozen_periods.period,
        frozen_periods.period_start,
        frozen_periods.closed_at,
        frozen_periods.closed_by,
        true as is_frozen
    from frozen_periods
    union all
    select
        closed_now.billing_entity_code,
        closed_now.period,
        closed_now.period_start,
        closed_now.closed_at,
        closed_now.closed_by,
        false as is_frozen
    from closed_now
    where not exists (
        select 1 from frozen_periods
        where frozen_periods.billing_entity_code = closed_now.billing_entity_code
          and frozen_periods.period = closed_now.period
    )
),

-- runs of consecutive closed months per entity (gaps and islands)
islands as (
    select
        closed.*,
        {{ revrec_month_index('closed.period_start') }} as month_index,
        {{ revrec_month_index('closed.period_start') }} - row_number() over (
            partition by closed.billing_entity_code order by closed.period_start
        ) as island
    from closed
),

island_ends as (
    select
        islands.*,
        max(islands.month_index) over (partition by islands.billing_entity_code, islands.island) as island_last_month_index
    from islands
),

final as (
    select
        billing_entity_code,
        period,
        period_start,
        {{ revrec_month_end('period_start') }} as period_end,
        closed_at,
        closed_by,
        is_frozen,
        cast({{ dbt.dateadd('month', 'island_last_month_index - month_index + 1', 'period_start') }} as date) as first_open_period_start,
        {{ revrec_period(dbt.dateadd('month', 'island_last_month_index - month_index + 1', 'period_start')) }} as first_open_period
    from island_ends
)

select * from final
