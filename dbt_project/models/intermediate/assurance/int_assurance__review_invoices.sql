-- STUB (issue #15): replaced by the invoices under review (docs/assurance.md §2)
select
    cast(null as {{ dbt.type_string() }}) as invoice_id,
    cast(null as {{ dbt.type_string() }}) as invoice_number,
    cast(null as {{ dbt.type_string() }}) as invoice_source,
    cast(null as {{ dbt.type_string() }}) as external_customer_id,
    cast(null as {{ dbt.type_string() }}) as currency,
    cast(null as date) as issuing_date,
    cast(null as {{ dbt.type_boolean() }}) as is_finalized,
    cast(null as {{ dbt.type_bigint() }}) as fees_amount_minor,
    cast(null as {{ dbt.type_bigint() }}) as coupons_amount_minor,
    cast(null as {{ dbt.type_bigint() }}) as taxes_amount_minor,
    cast(null as {{ dbt.type_bigint() }}) as credit_notes_amount_minor,
    cast(null as {{ dbt.type_bigint() }}) as prepaid_credit_amount_minor,
    cast(null as {{ dbt.type_bigint() }}) as total_amount_minor
where 1 = 0
