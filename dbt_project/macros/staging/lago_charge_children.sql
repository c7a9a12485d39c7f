{#- Rows flattened out of a Lago charge (filters, filter values, graduated ranges): those of the
    charge's latest version only, see children_of_latest. -#}
{% macro lago_charge_children(table_name) -%}
    {{ children_of_latest(source('lago', table_name), source('lago', 'lago_charges'), 'charge_lago_id', 'lago_id') }}
{%- endmacro %}
