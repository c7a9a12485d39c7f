-- STUB (issue #15): replaced by what was sold (docs/assurance.md §1)
select
    cast(null as {{ dbt.type_string() }}) as contract_item_id,
    cast(null as {{ dbt.type_string() }}) as opportunity_id,
    cast(null as {{ dbt.type_string() }}) as contract_id,
    cast(null as {{ dbt.type_string() }}) as sf_account_id,
    cast(null as {{ dbt.type_string() }}) as external_customer_id,
    cast(null as {{ dbt.type_string() }}) as product_code,
    cast(null as {{ dbt.type_string() }}) as plan_code,
    cast(null as {{ dbt.type_string() }}) as charge_code,
    cast(null as {{ dbt.type_numeric() }}) as quantity,
    cast(null as {{ dbt.type_numeric() }}) as unit_price_minor,
    cast(null as {{ dbt.type_numeric() }}) as list_price_minor,
    cast(null as {{ dbt.type_numeric() }}) as discount_percent,
    cast(null as {{ dbt.type_string() }}) as currency,
    cast(null as date) as start_date,
    cast(null as date) as end_date,
    cast(null as {{ dbt.type_int() }}) as term_months,
    cast(null as date) as close_date
where 1 = 0
