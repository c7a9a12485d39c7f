with source as (
    {{ latest_landing(source('lago', 'lago_plan_taxes'), 'plan_code') }}
),

final as (
    select distinct
        plan_code,
        tax_code,
        cast(tax_rate as decimal(18, 6)) as tax_rate
    from source
)

select * from final
