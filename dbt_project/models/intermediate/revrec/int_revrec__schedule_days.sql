-- INTERFACE STUB (H2 replaces it): typed columns, no rows.
select
    cast(null as varchar) as po_id,
    cast(null as varchar) as contract_id,
    cast(null as date) as service_date,
    cast(null as varchar) as entry_kind,
    cast(null as varchar) as change_id,
    cast(null as bigint) as amount_minor,
    cast(null as bigint) as cumulative_amount_minor
where 1 = 0
