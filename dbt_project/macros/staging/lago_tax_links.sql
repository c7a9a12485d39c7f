{#- A Lago tax link (customer, plan or charge → tax): every link of the owner's latest landing
    (a tax dropped from a newer export disappears), one row per owner and tax, its rate cast
    like stg_lago__taxes.tax_rate. -#}
{% macro stg_lago_tax_links(table_name, owner_key) -%}
with source as ({{ latest_landing(source('lago', table_name), owner_key) }}),

final as (
    select distinct
        {{ owner_key }},
        tax_code,
        cast(tax_rate as decimal(18, 6)) as tax_rate
    from source
)

select * from final
{%- endmacro %}
