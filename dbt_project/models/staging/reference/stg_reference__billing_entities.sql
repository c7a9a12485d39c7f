-- A company's billing entities exist only as landed reference/entities rows (no seed: the demo's
-- entities are demo landing files); the newest landing of an entity_id wins.
with overlaid as (
    {{ reference_overlay(none, 'entities',
        ['entity_id', 'name', 'currency', 'functional_currency', 'timezone', 'invoice_number_prefix', 'country', 'default_tax_codes'],
        ['entity_id']) }}
),

final as (
    select
        entity_id as billing_entity_code,
        name as entity_name,
        upper(currency) as currency,
        upper(nullif(functional_currency, '')) as functional_currency,
        nullif(timezone, '') as timezone,
        invoice_number_prefix,
        upper(nullif(country, '')) as country,
        nullif(default_tax_codes, '') as default_tax_codes,
        _is_seed = 1 as is_from_seed,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
