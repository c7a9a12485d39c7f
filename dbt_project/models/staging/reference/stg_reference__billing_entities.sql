with overlaid as (
    {{ reference_overlay('billing_entities', 'entities',
        ['entity_id', 'name', 'currency', 'functional_currency', 'timezone', 'invoice_number_prefix', 'country', 'default_tax_codes'],
        ['entity_id']) }}
),

final as (
    select
        entity_id as billing_entity_code,
        name as entity_name,
        upper(currency) as currency,
        upper(functional_currency) as functional_currency,
        timezone,
        invoice_number_prefix,
        upper(country) as country,
        nullif(default_tax_codes, '') as default_tax_codes,
        _is_seed = 1 as is_from_seed,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
