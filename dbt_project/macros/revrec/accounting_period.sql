{#- The accounting period 'YYYY-MM' of a date (metrics-and-revrec.md §0: a calendar month of the
    entity's books), in portable SQL. -#}
{% macro accounting_period_label(date_expr) -%}
    (cast(extract(year from {{ date_expr }}) as {{ dbt.type_string() }}) || '-'
        || lpad(cast(extract(month from {{ date_expr }}) as {{ dbt.type_string() }}), 2, '0'))
{%- endmacro %}
