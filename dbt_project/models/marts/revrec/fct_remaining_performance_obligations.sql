-- INTERFACE STUB (H3a replaces it): typed columns, no rows.
select
    cast(null as date) as as_of_date,
    cast(null as varchar) as contract_id,
    cast(null as varchar) as billing_entity_code,
    cast(null as varchar) as currency,
    cast(null as bigint) as next_12_months_minor,
    cast(null as bigint) as later_minor,
    cast(null as bigint) as total_minor
where 1 = 0
