{#- An amount in minor units written in major units with its currency, for a finding's
    reason_text: 2450, exponent 2, 'USD' -> '24.50 USD'; JPY (0) -> '7350 JPY'; BHD (3) ->
    '18.424 BHD'. Exact decimals only (exact_divide), never a DOUBLE. -#}
{% macro assurance_amount_text(amount_minor_expr, exponent_expr, currency_expr) -%}
    (case {{ exponent_expr }}
        when 0 then cast(cast({{ amount_minor_expr }} as decimal(38, 0)) as {{ dbt.type_string() }})
        when 1 then cast(cast({{ exact_divide(amount_minor_expr, 10) }} as decimal(38, 1)) as {{ dbt.type_string() }})
        when 3 then cast(cast({{ exact_divide(amount_minor_expr, 1000) }} as decimal(38, 3)) as {{ dbt.type_string() }})
        when 4 then cast(cast({{ exact_divide(amount_minor_expr, 10000) }} as decimal(38, 4)) as {{ dbt.type_string() }})
        else cast(cast({{ exact_divide(amount_minor_expr, minor_factor(exponent_expr)) }} as decimal(38, 2)) as {{ dbt.type_string() }})
    end || ' ' || {{ currency_expr }})
{%- endmacro %}

{#- finding_id of docs/assurance.md §3: md5 of reason_code || '|' || finding_key. -#}
{% macro assurance_finding_id(reason_code_expr, finding_key_expr) -%}
    {{ dbt.hash(reason_code_expr ~ " || '|' || " ~ finding_key_expr) }}
{%- endmacro %}
