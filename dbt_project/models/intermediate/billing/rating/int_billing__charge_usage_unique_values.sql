-- Unique counts with add/remove operations (pricing.md 1): one row per charge period × charge
-- × charge filter × pricing group that has distinct values in what it reads
-- (int_billing__charge_usage_sources, int_billing__usage_daily_unique_values), with the count
-- of values whose last operation read is an add and, for prorated charges, the days each
-- value was held in the window, summed (the rules: int_billing__charge_usage yml).
with usage_sources as (
    select * from {{ ref('int_billing__charge_usage_sources') }}
),

unique_values as (
    select * from {{ ref('int_billing__usage_daily_unique_values') }}
),

unique_rows as (
    select
        usage_sources.charge_period_id,
        usage_sources.charge_lago_id,
        usage_sources.charge_filter_index,
        usage_sources.charge_service_start_date,
        usage_sources.charge_service_end_date,
        unique_values.grouped_by,
        unique_values.unique_value,
        unique_values.usage_date,
        unique_values.add_events_count,
        unique_values.last_event_at,
        unique_values.is_last_removed
    from usage_sources
    inner join unique_values
        on {{ usage_source_rows('usage_sources', 'unique_values') }}
),

-- One row per distinct value and day read (loads and carried versions merged): whether the
-- day had an add, and whether its last operation was a remove (the latest instant among the
-- rows; a remove at the same instant as an add is last, pricing.md 1 as documented in yml).
unique_days as (
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        grouped_by,
        unique_value,
        usage_date,
        min(charge_service_start_date) as window_start_date,
        min(charge_service_end_date) as window_end_date,
        sum(add_events_count) > 0 as has_add,
        coalesce(max(case when is_last_removed then last_event_at end) = max(last_event_at), false) as is_removed_at_day_end
    from unique_rows
    group by charge_period_id, charge_lago_id, charge_filter_index, grouped_by, unique_value, usage_date
),

-- Each value's days in order: the state it entered the day with (the previous day's last
-- operation; none before its first event) and the next day it has events on.
unique_states as (
    select
        unique_days.*,
        lag(is_removed_at_day_end) over (
            partition by charge_period_id, charge_lago_id, charge_filter_index, grouped_by, unique_value
            order by usage_date
        ) as entered_removed,
        lead(usage_date) over (
            partition by charge_period_id, charge_lago_id, charge_filter_index, grouped_by, unique_value
            order by usage_date
        ) as next_usage_date,
        row_number() over (
            partition by charge_period_id, charge_lago_id, charge_filter_index, grouped_by, unique_value
            order by usage_date desc
        ) as recency_rank
    from unique_days
),

-- A value is held on a day with events when it was added that day or entered it held (so
-- the day of its remove counts, as Lago's prorated unique count), and on the days up to its
-- next event day when the day ended on an add. Only the window's days count.
unique_spans as (
    select
        unique_states.*,
        case
            when usage_date >= window_start_date and (has_add or entered_removed = false) then 1
            else 0
        end as held_event_day,
        case
            when {{ dbt.dateadd('day', 1, 'usage_date') }} > window_start_date
                then cast({{ dbt.dateadd('day', 1, 'usage_date') }} as date)
            else window_start_date
        end as gap_from_date,
        case
            when next_usage_date is not null and next_usage_date <= window_end_date
                then cast({{ dbt.dateadd('day', -1, 'next_usage_date') }} as date)
            else window_end_date
        end as gap_to_date
    from unique_states
),

unique_held as (
    select
        unique_spans.*,
        held_event_day + case
            when not is_removed_at_day_end and gap_to_date >= gap_from_date
                then {{ days_inclusive('gap_from_date', 'gap_to_date') }}
            else 0
        end as held_days
    from unique_spans
),

-- A value counts when its last event read (the window's, or for recurring metrics every
-- event up to the window's end) is an add; prorated charges bill each value for its held days.
uniques as (
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        grouped_by,
        sum(case when recency_rank = 1 and not is_removed_at_day_end then 1 else 0 end) as unique_count,
        sum(held_days) as unique_value_days
    from unique_held
    group by charge_period_id, charge_lago_id, charge_filter_index, grouped_by
),

final as (
    select * from uniques
)

select * from final
