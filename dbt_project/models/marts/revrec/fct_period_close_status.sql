-- INTERFACE STUB (H3a replaces it): typed columns, no rows.
select
    cast(null as varchar) as billing_entity_code,
    cast(null as varchar) as period,
    cast(null as date) as period_start,
    cast(null as boolean) as is_closed,
    cast(null as timestamp) as closed_at,
    cast(null as varchar) as closed_by,
    cast(null as bigint) as posted_revenue_minor,
    cast(null as bigint) as adjustments_minor,
    cast(null as varchar) as currency
where 1 = 0
