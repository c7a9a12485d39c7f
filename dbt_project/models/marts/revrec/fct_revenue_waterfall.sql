-- INTERFACE STUB (H3a replaces it): typed columns, no rows.
select
    cast(null as varchar) as contract_id,
    cast(null as varchar) as po_id,
    cast(null as varchar) as billing_entity_code,
    cast(null as varchar) as currency,
    cast(null as date) as billing_month,
    cast(null as date) as revenue_month,
    cast(null as bigint) as amount_minor,
    cast(null as bigint) as deferred_after_minor,
    cast(null as boolean) as is_scheduled
where 1 = 0
