-- One row per billing entity: its currency, timezone, invoice number prefix and default taxes.
with billing_entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

final as (
    select
        billing_entity_code,
        entity_name,
        currency,
        functional_currency,
        timezone,
        invoice_number_prefix,
        country,
        default_tax_codes,
        is_from_seed
    from billing_entities
)

select * from final
