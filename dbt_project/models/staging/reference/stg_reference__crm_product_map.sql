-- Salesforce products mapped to the billing catalog (landing contract, reference/crm_product_map):
-- landed rows only (no seed: the mapping is a company's own), the newest landing of a
-- crm_product winning. crm_product is a Product2 Id or its ProductCode.
with overlaid as (
    {{ reference_overlay(none, 'crm_product_map',
        ['crm_product', 'plan_code', 'charge_code', 'quantity_field'], ['crm_product']) }}
),

final as (
    select
        crm_product,
        nullif(plan_code, '') as plan_code,
        nullif(charge_code, '') as charge_code,
        nullif(quantity_field, '') as quantity_field,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
