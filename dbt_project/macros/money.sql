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

{#- Exact division for money: numerator / denominator as DECIMAL(38,12), truncated toward
    zero at 12 decimals, never through DOUBLE; NULL when the denominator is 0.
    DuckDB turns DECIMAL / anything into DOUBLE, which can put a true x.5 at x.4999… and flip a
    half-up rounding; truncating an exact quotient at 12 decimals never changes which side of
    .5 a value is on. Use it for every division in a money rule (proration by days, pro-rata
    shares, seconds, package sizes). Postgres NUMERIC and Spark DECIMAL divide exactly enough.
    DuckDB: with N, D the operands scaled by 10^12 as HUGEINT, q = (N // D) * 10^12 +
    ((N % D) * 10^12) // D, which stays inside 128 bits for operands below 10^14. -#}
{% macro exact_divide(numerator_expr, denominator_expr) -%}
    {{ return(adapter.dispatch('exact_divide', 'revhouse')(numerator_expr, denominator_expr)) }}
{%- endmacro %}

{% macro default__exact_divide(numerator_expr, denominator_expr) -%}
    {%- set n = 'cast(cast(' ~ numerator_expr ~ ' as decimal(38, 12)) * 1000000000000 as hugeint)' -%}
    {%- set d = 'nullif(cast(cast(' ~ denominator_expr ~ ' as decimal(38, 12)) * 1000000000000 as hugeint), 0)' -%}
    (cast(({{ n }} // {{ d }}) * 1000000000000 + (({{ n }} % {{ d }}) * 1000000000000) // {{ d }} as decimal(38, 0))
        * cast(0.000000000001 as decimal(38, 12)))
{%- endmacro %}

{% macro postgres__exact_divide(numerator_expr, denominator_expr) -%}
    cast(cast({{ numerator_expr }} as numeric) / nullif(cast({{ denominator_expr }} as numeric), 0) as numeric(38, 12))
{%- endmacro %}

{% macro spark__exact_divide(numerator_expr, denominator_expr) -%}
    cast(cast({{ numerator_expr }} as decimal(38, 12)) / nullif(cast({{ denominator_expr }} as decimal(38, 12)), 0) as decimal(38, 12))
{%- endmacro %}

{#- A rounded share plus, on the one line chosen to take it, the rounding residual of its
    group (total − Σ rounded shares over `partition_expr`), so the group's shares add up
    exactly to its total (metrics-and-revrec.md A2 coupon shares, A3 allocation, a credit note
    spread over POs). `share_expr` must already be rounded to whole minor units. -#}
{% macro share_with_residual(share_expr, total_expr, partition_expr, takes_residual_expr) -%}
    ({{ share_expr }} + case
        when {{ takes_residual_expr }} then {{ total_expr }} - sum({{ share_expr }}) over (partition by {{ partition_expr }})
        else 0
    end)
{%- endmacro %}
