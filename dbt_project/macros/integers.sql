{#- A relation of integers 0 .. 10^digits - 1 in column `n`, written with plain UNION ALL so it
    runs unchanged on DuckDB, Postgres and Spark. -#}
{% macro integers(digits=3) -%}
    select
        {% for d in range(digits) %}d{{ d }}.n * {{ 10 ** d }}{% if not loop.last %} + {% endif %}{% endfor %} as n
    from
    {% for d in range(digits) %}
        (
            {% for i in range(10) %}select {{ i }} as n{% if not loop.last %} union all {% endif %}{% endfor %}
        ) as d{{ d }}{% if not loop.last %} cross join{% endif %}
    {% endfor %}
{%- endmacro %}
