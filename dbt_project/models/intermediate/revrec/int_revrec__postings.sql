-- INTERFACE STUB (H3a replaces it): typed columns, no rows.
select
    cast(null as varchar) as posting_id,
    cast(null as varchar) as posting_kind,
    cast(null as varchar) as contract_id,
    cast(null as varchar) as po_id,
    cast(null as varchar) as document_id,
    cast(null as varchar) as change_id,
    cast(null as varchar) as external_customer_id,
    cast(null as varchar) as billing_entity_code,
    cast(null as varchar) as currency,
    cast(null as date) as event_date,
    cast(null as date) as posting_date,
    cast(null as varchar) as posting_period,
    cast(null as varchar) as period_of_origin,
    cast(null as boolean) as is_adjustment,
    cast(null as bigint) as billed_delta_minor,
    cast(null as bigint) as recognized_delta_minor,
    cast(null as bigint) as contra_delta_minor,
    cast(null as bigint) as tax_delta_minor,
    cast(null as bigint) as ar_delta_minor,
    cast(null as date) as document_rate_date
where 1 = 0
