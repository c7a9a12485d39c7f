{{ config(materialized='view') }}
-- The price terms of each charge and charge filter (filter 0 = the charge's default
-- properties; a filter's own properties replace them, pricing.md 1), in one shape.
with charges as (
    select * from {{ ref('stg_lago__charges') }}
),

charge_filters as (
    select * from {{ ref('stg_lago__charge_filters') }}
),

metrics as (
    select * from {{ ref('stg_lago__billable_metrics') }}
),

unioned as (
    select
        charges.charge_lago_id,
        0 as charge_filter_index,
        {{ charge_price_term_columns('charges.') }},
        coalesce(charges.invoice_display_name, metrics.billable_metric_name, charges.billable_metric_code) as description
    from charges
    left join metrics on charges.billable_metric_code = metrics.billable_metric_code
    union all
    select
        charge_filters.charge_lago_id,
        charge_filters.charge_filter_index,
        {{ charge_price_term_columns('charge_filters.') }},
        coalesce(charge_filters.invoice_display_name, charges.invoice_display_name, metrics.billable_metric_name, charges.billable_metric_code) as description
    from charge_filters
    inner join charges on charge_filters.charge_lago_id = charges.charge_lago_id
    left join metrics on charges.billable_metric_code = metrics.billable_metric_code
),

final as (
    select
        unioned.*,
        charges.plan_code,
        charges.billable_metric_code,
        charges.charge_model,
        charges.is_pay_in_advance,
        charges.is_invoiceable,
        charges.is_prorated,
        charges.min_amount_minor
    from unioned
    inner join charges on unioned.charge_lago_id = charges.charge_lago_id
)

select * from final
