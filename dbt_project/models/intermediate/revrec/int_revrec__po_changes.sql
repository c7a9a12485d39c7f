-- INTERFACE STUB (H1 replaces it): typed columns, no rows.
select
    cast(null as varchar) as change_id,
    cast(null as varchar) as change_source,
    cast(null as varchar) as po_id,
    cast(null as varchar) as contract_id,
    cast(null as varchar) as document_id,
    cast(null as varchar) as credited_invoice_id,
    cast(null as varchar) as kind,
    cast(null as varchar) as reason,
    cast(null as date) as effective_on,
    cast(null as date) as issued_on,
    cast(null as bigint) as amount_minor,
    cast(null as bigint) as taxes_amount_minor
where 1 = 0
