{{ config(meta={'dagster': {'ref': {'name': 'int_revrec__postings'}}}) }}
-- A10: closed periods are never rewritten, yet nothing is lost: for every PO and period up to
-- the report date, the revenue posted for that period (its own recognition and catch-ups,
-- plus the adjustments posted later with that period of origin) equals the target schedule
-- of that period as restated now (int_revrec__schedule_days up to the report date).
with postings as (
    select * from {{ ref('int_revrec__postings') }}
    where po_id is not null
),

schedule_days as (
    select * from {{ ref('int_revrec__schedule_days') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

amounts as (
    select po_id, period_of_origin as period, recognized_delta_minor as posted_minor, 0 as target_minor
    from postings
    union all
    select
        schedule_days.po_id,
        {{ revrec_period('schedule_days.service_date') }} as period,
        0 as posted_minor,
        schedule_days.amount_minor as target_minor
    from schedule_days
    cross join report_date
    where schedule_days.service_date <= report_date.report_date
)

select po_id, period, sum(posted_minor) as posted_minor, sum(target_minor) as target_minor
from amounts
group by po_id, period
having sum(posted_minor) <> sum(target_minor)
