{{ config(meta={'dagster': {'ref': {'name': 'int_revrec__schedule_days'}}}) }}
-- A4.1: cumulative rounding never gives a negative day; a change that takes back more than was
-- left to recognise settles as a catch-up instead (int_revrec__schedule_segments). Only a PO
-- allocated below 0 may have negative schedule days.
select days.po_id, days.service_date, days.amount_minor
from {{ ref('int_revrec__schedule_days') }} as days
inner join {{ ref('int_revrec__performance_obligations') }} as obligations on days.po_id = obligations.po_id
where days.entry_kind = 'schedule'
    and days.amount_minor < 0
    and obligations.allocated_amount_minor >= 0
