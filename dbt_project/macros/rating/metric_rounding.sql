{#- A billable metric's rounding of aggregated units, where Lago applies it: to the aggregation
    result (after proration, per filter and group), before the charge model (lago-api
    app/services/billable_metrics/aggregations/base_service.rb#apply_rounding,
    apply_rounding_service.rb: Ruby round = half away from zero, ceil, floor at
    rounding_precision decimals, negative = tens, hundreds…). Each precision is its own branch
    so the scale factors are exact decimal literals: x × 10^p, rounded to an integer, × 10^-p,
    never a division or a DOUBLE. Units carry 12 decimals, so a precision above 12 changes
    nothing; one below -12 rounds as -12. Any other function (or none) leaves the units as
    they are, as Lago does. Used by the period-end fee (int_billing__charge_usage) and the
    progressive-billing threshold check (int_billing__progressive_usage_days), so both see the
    same units. -#}
{% macro metric_rounding(units_expr, function_expr, precision_expr) -%}
    {%- set rounders = {
        'round': 'round({x}, 0)',
        'ceil': 'ceil({x})',
        'floor': 'floor({x})',
    } -%}
    case
        when {{ function_expr }} not in ('round', 'ceil', 'floor') or {{ function_expr }} is null then {{ units_expr }}
        when coalesce({{ precision_expr }}, 0) > 12 then {{ units_expr }}
        {%- for precision in range(12, -13, -1) %}
        {%- set scale_up = ('1' ~ '0' * precision) if precision >= 0 else ('0.' ~ '0' * (-precision - 1) ~ '1') %}
        {%- set scale_down = ('0.' ~ '0' * (precision - 1) ~ '1') if precision > 0 else ('1' ~ '0' * (-precision)) %}
        when coalesce({{ precision_expr }}, 0) {{ '<=' if precision == -12 else '=' }} {{ precision }} then case {{ function_expr }}
            {%- for function_name, template in rounders.items() %}
            when '{{ function_name }}' then cast({{ template.format(x='(' ~ units_expr ~ ') * ' ~ scale_up) }} * {{ scale_down }} as decimal(38, 12))
            {%- endfor %}
        end
        {%- endfor %}
    end
{%- endmacro %}
