{#- The price terms a charge (or a charge filter) carries in its properties (pricing.md 2),
    in the order the charge models read them: staging casts each out of properties_json,
    int_billing__charge_properties resolves filter over charge, and every fee producer hands
    them to charge_amount_query. -#}
{% macro charge_price_terms() -%}
    {{ return(['amount', 'package_size', 'free_units', 'rate', 'fixed_amount', 'free_units_per_events', 'free_units_per_total_aggregation', 'per_transaction_min_amount', 'per_transaction_max_amount']) }}
{%- endmacro %}

{#- The price terms as a column list, `prefix` qualifying each (e.g. 'properties.'). -#}
{% macro charge_price_term_columns(prefix='') -%}
    {%- for term in charge_price_terms() %}{{ prefix }}{{ term }}{% if not loop.last %},
        {% endif %}{% endfor -%}
{%- endmacro %}
