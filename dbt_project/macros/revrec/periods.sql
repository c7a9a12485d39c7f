{#- Accounting periods of revenue recognition (metrics-and-revrec.md §0: the calendar month
    YYYY-MM of the entity's books), each rule once. -#}

{#- 'YYYY-MM' of a date. -#}
{% macro revrec_period(date_expr) -%}
    (cast(extract(year from {{ date_expr }}) as {{ dbt.type_string() }}) || '-' || lpad(cast(extract(month from {{ date_expr }}) as {{ dbt.type_string() }}), 2, '0'))
{%- endmacro %}

{#- Months since 1970-01: consecutive months differ by 1 (runs of closed periods). -#}
{% macro revrec_month_index(date_expr) -%}
    {{ dbt.datediff("cast('1970-01-01' as date)", date_expr, 'month') }}
{%- endmacro %}

{#- Last day of the month of a date, as a date. -#}
{% macro revrec_month_end(date_expr) -%}
    cast({{ dbt.last_day(date_expr, 'month') }} as date)
{%- endmacro %}

{#- The append-only store of postings frozen in closed periods (fct_frozen_postings) as earlier
    runs left it: the columns of int_revrec__postings, in its order. -#}
{% macro revrec_posting_columns() -%}
    {{ return({
        'posting_id': dbt.type_string(), 'posting_kind': dbt.type_string(), 'contract_id': dbt.type_string(),
        'po_id': dbt.type_string(), 'document_id': dbt.type_string(), 'change_id': dbt.type_string(),
        'external_customer_id': dbt.type_string(), 'billing_entity_code': dbt.type_string(), 'currency': dbt.type_string(),
        'event_date': 'date', 'posting_date': 'date', 'posting_period': dbt.type_string(),
        'period_of_origin': dbt.type_string(), 'is_adjustment': 'boolean', 'billed_delta_minor': 'bigint',
        'recognized_delta_minor': 'bigint', 'contra_delta_minor': 'bigint', 'tax_delta_minor': 'bigint',
        'ar_delta_minor': 'bigint', 'document_rate_date': 'date', 'cash_delta_minor': 'bigint', 'memo': dbt.type_string(),
        'source_id': dbt.type_string(), 'prepaid_credit_delta_minor': 'bigint'
    }) }}
{%- endmacro %}
