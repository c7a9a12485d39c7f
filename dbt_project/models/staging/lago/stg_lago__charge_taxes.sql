with source as (
    {{ latest_landing(source('lago', 'lago_charge_taxes'), 'charge_lago_id') }}
),

final as (
    select distinct
        charge_lago_id,
        tax_code,
        cast(tax_rate as decimal(18, 6)) as tax_rate
    from source
)

select * from final
