{{ config(tags=['reconciliation'], meta={'dagster': {'ref': {'name': 'int_billing__unbillable_events'}}}) }}
-- pricing.md 1: nothing vanishes. Every landed event is either counted in usage_daily (once
-- per charge that bills it) or listed in int_billing__unbillable_events with a reason.
-- usage_daily is appended load by load (macros/rating/usage.sql), so a double count or a
-- missed load would show here: its events_count must equal the billable resolved rows for
-- every subscription version × charge × filter × group × local day, not only in total (a
-- day counted twice and another missed would cancel out in a total).
with events as (
    select count(*) as events_count from {{ ref('stg_usage__events') }}
),

billable as (
    select count(distinct event_key) as events_count
    from {{ ref('int_billing__usage_events_resolved') }}
    where unbillable_reason is null
),

reported as (
    select count(distinct event_key) as events_count
    from {{ ref('int_billing__unbillable_events') }}
    where event_key not in (
        select event_key from {{ ref('int_billing__usage_events_resolved') }} where unbillable_reason is null
    )
),

daily_by_day as (
    select lago_subscription_id, charge_lago_id, charge_filter_index, grouped_by, usage_date,
        sum(events_count) as events_count
    from {{ ref('int_billing__usage_daily') }}
    group by lago_subscription_id, charge_lago_id, charge_filter_index, grouped_by, usage_date
),

resolved_by_day as (
    select lago_subscription_id, charge_lago_id, charge_filter_index, grouped_by, usage_date,
        count(*) as events_count
    from {{ ref('int_billing__usage_events_resolved') }}
    where unbillable_reason is null
    group by lago_subscription_id, charge_lago_id, charge_filter_index, grouped_by, usage_date
),

days_off as (
    select count(*) as days_count
    from daily_by_day
    full outer join resolved_by_day
        on daily_by_day.lago_subscription_id = resolved_by_day.lago_subscription_id
        and daily_by_day.charge_lago_id = resolved_by_day.charge_lago_id
        and daily_by_day.charge_filter_index = resolved_by_day.charge_filter_index
        and coalesce(daily_by_day.grouped_by, '') = coalesce(resolved_by_day.grouped_by, '')
        and daily_by_day.usage_date = resolved_by_day.usage_date
    where coalesce(daily_by_day.events_count, 0) <> coalesce(resolved_by_day.events_count, 0)
),

daily as (
    select coalesce(sum(events_count), 0) as events_count from daily_by_day
),

resolved_rows as (
    select coalesce(sum(events_count), 0) as events_count from resolved_by_day
)

select events.events_count as landed, billable.events_count as billable, reported.events_count as reported,
    daily.events_count as in_usage_daily, resolved_rows.events_count as billable_rows,
    days_off.days_count as days_not_matching
from events, billable, reported, daily, resolved_rows, days_off
where events.events_count <> billable.events_count + reported.events_count
    or daily.events_count <> resolved_rows.events_count
    or days_off.days_count > 0
