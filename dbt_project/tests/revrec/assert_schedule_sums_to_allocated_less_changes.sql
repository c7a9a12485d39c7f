{{ config(meta={'dagster': {'ref': {'name': 'fct_revenue_schedule'}}}) }}
-- A4.1 / A8 / A9: over its whole life a PO recognises exactly its allocated amount less the
-- changes that reduce it (both entry kinds), in the monthly mart and in the daily view. A PO
-- with an amount and no schedule shows up here too.
with obligations as (
    select po_id, allocated_amount_minor from {{ ref('int_revrec__performance_obligations') }}
),

changes as (
    select po_id, sum(amount_minor) as changed_minor
    from {{ ref('int_revrec__po_changes') }}
    group by po_id
),

months as (
    select po_id, sum(amount_minor) as scheduled_minor
    from {{ ref('fct_revenue_schedule') }}
    group by po_id
),

days as (
    select po_id, sum(amount_minor) as scheduled_minor
    from {{ ref('int_revrec__schedule_days') }}
    group by po_id
),

compared as (
    select
        obligations.po_id,
        obligations.allocated_amount_minor - coalesce(changes.changed_minor, 0) as expected_minor,
        coalesce(months.scheduled_minor, 0) as monthly_minor,
        coalesce(days.scheduled_minor, 0) as daily_minor
    from obligations
    left join changes on obligations.po_id = changes.po_id
    left join months on obligations.po_id = months.po_id
    left join days on obligations.po_id = days.po_id
)

select * from compared
where monthly_minor <> expected_minor or daily_minor <> expected_minor
