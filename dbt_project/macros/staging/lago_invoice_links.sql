{#- The invoices a Lago payment or payment request covers, flattened out of it: those of the
    parent's latest version only (see children_of_latest), in the parent's order. -#}
{% macro stg_lago_invoice_links(table_name, parent_table, parent_key, parent_id_column) -%}
with source as ({{ children_of_latest(source('lago', table_name), source('lago', parent_table), parent_key, 'lago_id') }}),

final as (
    select
        {{ parent_key }} as {{ parent_id_column }},
        invoice_position,
        invoice_lago_id as lago_invoice_id,
        invoice_number,
        {{ lineage_columns() }}
    from source
)

select * from final
{%- endmacro %}
