with source as (
    {{ latest_landing(source('lago', 'lago_customer_taxes'), 'external_customer_id') }}
),

final as (
    select distinct
        external_customer_id,
        tax_code,
        cast(tax_rate as decimal(18, 6)) as tax_rate
    from source
)

select * from final
