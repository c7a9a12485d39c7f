with source as ({{ lago_charge_children('lago_charge_ranges') }}),

final as (
    select
        charge_lago_id,
        cast(filter_index as integer) as charge_filter_index,
        range_kind,
        cast(range_index as integer) as range_index,
        cast(from_value as decimal(38, 12)) as from_value,
        cast(to_value as decimal(38, 12)) as to_value,
        cast(coalesce(nullif(per_unit_amount, ''), '0') as decimal(38, 12)) as per_unit_amount,
        cast(coalesce(nullif(flat_amount, ''), '0') as decimal(38, 12)) as flat_amount,
        cast(coalesce(nullif(rate, ''), '0') as decimal(38, 12)) as rate,
        {{ lineage_columns() }}
    from source
)

select * from final
