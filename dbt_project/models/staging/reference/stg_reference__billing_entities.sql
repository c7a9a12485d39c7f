-- A company's billing entities exist only as landed reference/entities rows (no seed: the demo's
-- entities are demo landing files); the newest landing of an entity_id wins.
with overlaid as (
    {{ reference_overlay(none, 'entities',
        ['entity_id', 'name', 'currency', 'functional_currency', 'timezone', 'invoice_number_prefix', 'country', 'default_tax_codes',
         'net_payment_term', 'applied_dunning_campaign_code'],
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
        -- collections.md §1.1: an entity without a term has term 0 (the parser checked the text)
        coalesce({{ reference_try_cast("nullif(net_payment_term, '')", 'integer') }}, 0) as net_payment_term_days,
        nullif(applied_dunning_campaign_code, '') as applied_dunning_campaign_code,
        _is_seed = 1 as is_from_seed,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
