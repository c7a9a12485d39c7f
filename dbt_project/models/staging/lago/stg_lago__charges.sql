-- Prices stay exact decimals in major units (pricing.md 0); conversion to minor units happens
-- when a fee is priced, with the currency's exponent. Charges arrive inside their plan (same
-- file and row number as the plan object), so a charge dropped from a newer plan version is
-- no longer current: only charges of the plan's latest landing are kept.
with source as ({{ latest_version(source('lago', 'lago_charges'), 'lago_id') }}),

latest_plans as (
    {{ latest_version(source('lago', 'lago_plans'), 'code') }}
),

current_charges as (
    select source.*
    from source
    left join latest_plans on source.plan_code = latest_plans.code
    where latest_plans.code is null
        or (source._source_file = latest_plans._source_file and source._row_number = latest_plans._row_number)
),

final as (
    select
        lago_id as charge_lago_id,
        plan_code,
        billable_metric_code,
        charge_model,
        coalesce(pay_in_advance, false) as is_pay_in_advance,
        coalesce(invoiceable, true) as is_invoiceable,
        coalesce(prorated, false) as is_prorated,
        cast(coalesce(min_amount_cents, 0) as bigint) as min_amount_minor,
        invoice_display_name,
        amount_currency as currency,
        properties_json,
        nullif(pricing_group_keys, '') as pricing_group_keys,
        {% for prop in charge_price_terms() %}
        cast({{ json_get('properties_json', "'" ~ prop ~ "'") }} as decimal(38, 12)) as {{ prop }},
        {% endfor %}
        created_at,
        {{ lineage_columns() }}
    from current_charges
)

select * from final
