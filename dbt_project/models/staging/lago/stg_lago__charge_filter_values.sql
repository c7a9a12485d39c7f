with source as ({{ lago_charge_children('lago_charge_filter_values') }}),

final as (
    select distinct
        charge_lago_id,
        cast(filter_index as integer) as charge_filter_index,
        filter_key,
        filter_value,
        filter_value = '__ALL_FILTER_VALUES__' as is_any_value,
        _source_file,
        _ingested_at
    from source
)

select * from final
