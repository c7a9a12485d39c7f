-- STUB (issue #15): replaced by the lines of the invoices under review (docs/assurance.md §2)
select
    cast(null as {{ dbt.type_string() }}) as line_id,
    cast(null as {{ dbt.type_string() }}) as invoice_id,
    cast(null as {{ dbt.type_string() }}) as invoice_number,
    cast(null as {{ dbt.type_string() }}) as invoice_source,
    cast(null as {{ dbt.type_string() }}) as external_customer_id,
    cast(null as {{ dbt.type_string() }}) as external_subscription_id,
    cast(null as {{ dbt.type_string() }}) as plan_code,
    cast(null as {{ dbt.type_string() }}) as fee_type,
    cast(null as {{ dbt.type_string() }}) as charge_key,
    cast(null as {{ dbt.type_numeric() }}) as units,
    cast(null as {{ dbt.type_bigint() }}) as events_count,
    cast(null as date) as service_from_date,
    cast(null as date) as service_to_date,
    cast(null as {{ dbt.type_bigint() }}) as amount_minor,
    cast(null as {{ dbt.type_string() }}) as currency,
    cast(null as {{ dbt.type_boolean() }}) as is_finalized
where 1 = 0
