{{ config(meta={'dagster': {'ref': {'name': 'fct_revenue_schedule'}}}) }}
-- The monthly mart (cumulative formula at month ends) and the daily view (day by day) are two
-- computations of one schedule: per PO, month and entry kind they agree to the minor unit.
with days as (
    select
        po_id,
        cast({{ dbt.date_trunc('month', 'service_date') }} as date) as revenue_month,
        entry_kind,
        sum(amount_minor) as daily_minor
    from {{ ref('int_revrec__schedule_days') }}
    group by po_id, cast({{ dbt.date_trunc('month', 'service_date') }} as date), entry_kind
),

months as (
    select po_id, revenue_month, entry_kind, sum(amount_minor) as monthly_minor
    from {{ ref('fct_revenue_schedule') }}
    group by po_id, revenue_month, entry_kind
)

select
    coalesce(days.po_id, months.po_id) as po_id,
    coalesce(days.revenue_month, months.revenue_month) as revenue_month,
    coalesce(days.entry_kind, months.entry_kind) as entry_kind,
    days.daily_minor,
    months.monthly_minor
from days
full outer join months
    on days.po_id = months.po_id
    and days.revenue_month = months.revenue_month
    and days.entry_kind = months.entry_kind
where coalesce(days.daily_minor, 0) <> coalesce(months.monthly_minor, 0)
