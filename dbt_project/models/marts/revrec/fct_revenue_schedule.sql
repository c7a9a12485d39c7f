-- INTERFACE STUB (H2 replaces it): typed columns, no rows.
select
    cast(null as varchar) as po_id,
    cast(null as varchar) as contract_id,
    cast(null as varchar) as document_id,
    cast(null as varchar) as line_id,
    cast(null as varchar) as external_customer_id,
    cast(null as varchar) as billing_entity_code,
    cast(null as varchar) as currency,
    cast(null as varchar) as pattern,
    cast(null as date) as revenue_month,
    cast(null as varchar) as period,
    cast(null as varchar) as entry_kind,
    cast(null as varchar) as change_id,
    cast(null as bigint) as amount_minor,
    cast(null as bigint) as cumulative_amount_minor,
    cast(null as bigint) as allocated_amount_minor
where 1 = 0
