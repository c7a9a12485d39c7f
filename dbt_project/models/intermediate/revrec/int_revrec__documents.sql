-- INTERFACE STUB (H1 replaces it): typed columns, no rows.
select
    cast(null as varchar) as document_id,
    cast(null as varchar) as document_kind,
    cast(null as varchar) as document_source,
    cast(null as varchar) as document_number,
    cast(null as varchar) as related_invoice_id,
    cast(null as varchar) as external_customer_id,
    cast(null as varchar) as external_subscription_id,
    cast(null as varchar) as billing_entity_code,
    cast(null as varchar) as currency,
    cast(null as bigint) as currency_exponent,
    cast(null as varchar) as billing_timezone,
    cast(null as date) as document_date,
    cast(null as bigint) as excl_tax_amount_minor,
    cast(null as bigint) as taxes_amount_minor,
    cast(null as bigint) as total_amount_minor,
    cast(null as date) as voided_on
where 1 = 0
