{#- Lago evaluates dunning hourly at minute 45 UTC (collections.md 2.4). The first such instant at
    or after a timestamp, and the first one strictly after it (the spacing rule is strict). -#}
{% macro dunning_instant_at_or_after(ts_expr) -%}
    case
        when {{ dbt.dateadd('minute', 45, dbt.date_trunc('hour', ts_expr)) }} >= {{ ts_expr }}
            then {{ dbt.dateadd('minute', 45, dbt.date_trunc('hour', ts_expr)) }}
        else {{ dbt.dateadd('minute', 105, dbt.date_trunc('hour', ts_expr)) }}
    end
{%- endmacro %}

{% macro dunning_instant_after(ts_expr) -%}
    case
        when {{ dbt.dateadd('minute', 45, dbt.date_trunc('hour', ts_expr)) }} > {{ ts_expr }}
            then {{ dbt.dateadd('minute', 45, dbt.date_trunc('hour', ts_expr)) }}
        else {{ dbt.dateadd('minute', 105, dbt.date_trunc('hour', ts_expr)) }}
    end
{%- endmacro %}
