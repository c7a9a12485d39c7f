{#- Money rules, each once (pricing.md section 0). Amounts are exact DECIMALs; rounding is
    half away from zero, which round() on DECIMAL/NUMERIC does in DuckDB, Postgres and Spark.
    Never pass a DOUBLE in here. -#}

{#- 10 ^ exponent as an exact decimal (exponent of the currency's minor unit, 0..4). -#}
{% macro minor_factor(exponent_expr) -%}
    (case {{ exponent_expr }} when 0 then 1 when 1 then 10 when 2 then 100 when 3 then 1000 when 4 then 10000 end)
{%- endmacro %}

{#- Round an unrounded amount in minor units to a whole minor unit (BIGINT), half away from zero. -#}
{% macro round_minor(precise_minor_expr) -%}
    cast(round({{ precise_minor_expr }}, 0) as bigint)
{%- endmacro %}

{#- A decimal-string price in major units (Lago charge properties) to exact minor units, unrounded. -#}
{% macro major_to_precise_minor(amount_major_expr, exponent_expr) -%}
    (cast({{ amount_major_expr }} as decimal(38, 12)) * {{ minor_factor(exponent_expr) }})
{%- endmacro %}
