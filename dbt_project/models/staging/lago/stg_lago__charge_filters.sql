with source as ({{ lago_charge_children('lago_charge_filters') }}),

final as (
    select
        charge_lago_id,
        cast(filter_index as integer) as charge_filter_index,
        invoice_display_name,
        properties_json,
        {% for prop in charge_price_terms() %}
        cast({{ json_get('properties_json', "'" ~ prop ~ "'") }} as decimal(38, 12)) as {{ prop }},
        {% endfor %}
        {{ lineage_columns() }}
    from source
)

select * from final
