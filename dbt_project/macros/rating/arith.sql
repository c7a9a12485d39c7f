{#- Exact decimal arithmetic for rating (pricing.md 0: exact decimals, round once).
    DuckDB divides DECIMALs into a DOUBLE, so there the quotient is taken on scaled HUGEINTs:
    exact to 12 decimals (truncated), no float on the way. The denominator may carry up to
    6 decimals (days, package sizes, 100 for percentages). -#}
{#- exact_divide lives in macros/money.sql (one definition for rating and invoicing); do not redefine it here. -#}

{#- Product of two exact decimals brought back to the house scale. -#}
{% macro exact_multiply(left_expr, right_expr) -%}
    cast(cast({{ left_expr }} as decimal(38, 12)) * cast({{ right_expr }} as decimal(38, 12)) as decimal(38, 12))
{%- endmacro %}

{#- Smallest integer >= a / b for positive decimals, exactly. -#}
{% macro exact_ceil_divide(numerator_expr, denominator_expr) -%}
    ceil({{ exact_divide(numerator_expr, denominator_expr) }})
{%- endmacro %}

{#- A text value as an exact decimal, NULL when it is not a number (dbt's safe_cast is a plain
    cast on dbt-duckdb, which would abort the build on one bad event). -#}
{% macro safe_decimal(text_expr) -%}
    {{ return(adapter.dispatch('safe_decimal', 'revhouse')(text_expr)) }}
{%- endmacro %}
{% macro default__safe_decimal(text_expr) -%}
    try_cast({{ text_expr }} as decimal(38, 12))
{%- endmacro %}
{% macro postgres__safe_decimal(text_expr) -%}
    case when trim({{ text_expr }}) ~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$' then cast({{ text_expr }} as decimal(38, 12)) end
{%- endmacro %}
