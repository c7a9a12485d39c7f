{{ config(tags=['reconciliation'], meta={'dagster': {'ref': {'name': 'int_billing__unbillable_events'}}}) }}
-- pricing.md 1: nothing vanishes. Every landed event is either counted in usage_daily (once
-- per charge that bills it) or listed in int_billing__unbillable_events with a reason.
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

daily as (
    select coalesce(sum(events_count), 0) as events_count from {{ ref('int_billing__usage_daily') }}
),

resolved_rows as (
    select count(*) as events_count
    from {{ ref('int_billing__usage_events_resolved') }}
    where unbillable_reason is null
)

select events.events_count as landed, billable.events_count as billable, reported.events_count as reported,
    daily.events_count as in_usage_daily, resolved_rows.events_count as billable_rows
from events, billable, reported, daily, resolved_rows
where events.events_count <> billable.events_count + reported.events_count
    or daily.events_count <> resolved_rows.events_count
