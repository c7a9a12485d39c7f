-- The daily pre-aggregates read for every charge period (pricing.md 1): one row per charge
-- period × charge × charge filter × pricing group that has usage_daily rows in what it reads
-- (int_billing__charge_usage_sources), with the window's events, sums, max, latest value and
-- weighted-sum moments, and the level carried in from before the window (recurring metrics:
-- earlier days and earlier versions). usage_daily may hold several rows per key and day (one
-- per ingestion batch): every measure is aggregated over rows, never read from "the" row of a
-- day. Units are made of these in int_billing__charge_usage.
with usage_sources as (
    select * from {{ ref('int_billing__charge_usage_sources') }}
),

usage_daily as (
    select * from {{ ref('int_billing__usage_daily') }}
),

windowed as (
    select
        usage_sources.charge_period_id,
        usage_sources.charge_lago_id,
        usage_sources.charge_filter_index,
        usage_daily.grouped_by,
        not usage_sources.is_carried and usage_daily.usage_date >= usage_sources.charge_service_start_date as is_in_window,
        -- days from the usage day to the window's last day, both inclusive (prorated charges)
        case
            when usage_sources.is_carried then 0
            else {{ days_inclusive('usage_daily.usage_date', 'usage_sources.charge_service_end_date') }}
        end as days_remaining,
        usage_daily.events_count,
        usage_daily.value_sum,
        usage_daily.value_max,
        usage_daily.latest_value,
        usage_daily.latest_event_at,
        usage_daily.weighted_moment_sum,
        usage_daily.precise_total_amount_cents_sum
    from usage_sources
    inner join usage_daily
        on {{ usage_source_rows('usage_sources', 'usage_daily') }}
),

window_totals as (
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        grouped_by,
        sum(case when is_in_window then events_count else 0 end) as events_count,
        sum(value_sum) as value_sum_all,
        sum(case when is_in_window then value_sum else 0 end) as value_sum_window,
        sum(case when not is_in_window then value_sum else 0 end) as carried_level,
        sum(case when is_in_window then {{ exact_multiply('value_sum', 'days_remaining') }} else 0 end) as value_day_sum_window,
        max(case when is_in_window then value_max end) as value_max,
        sum(case when is_in_window then weighted_moment_sum else 0 end) as weighted_moment_sum,
        sum(case when is_in_window then precise_total_amount_cents_sum else 0 end) as precise_total_amount_cents_sum
    from windowed
    group by charge_period_id, charge_lago_id, charge_filter_index, grouped_by
),

latest as (
    select charge_period_id, charge_lago_id, charge_filter_index, grouped_by, latest_value
    from (
        select
            windowed.*,
            -- the value breaks a tie between batch rows of the same instant, so reruns agree
            row_number() over (
                partition by charge_period_id, charge_lago_id, charge_filter_index, grouped_by
                order by latest_event_at desc, latest_value desc
            ) as recency_rank
        from windowed
        where is_in_window and latest_event_at is not null
    ) as ranked
    where recency_rank = 1
),

final as (
    select
        window_totals.*,
        latest.latest_value
    from window_totals
    left join latest
        on {{ same_fee_key('window_totals', 'latest') }}
)

select * from final
