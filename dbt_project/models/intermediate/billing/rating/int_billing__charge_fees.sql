-- In-arrears usage charge fees: one row per charge period × charge × charge filter × pricing
-- group (pricing.md 2). Pay-in-advance charges are billed per event in
-- int_billing__advance_charge_fees instead.
with charge_usage as (
    select * from {{ ref('int_billing__charge_usage') }}
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

properties as (
    select * from {{ ref('int_billing__charge_properties') }}
),

percentage_terms as (
    select * from {{ ref('int_billing__percentage_event_terms') }}
),

ranges as (
    select * from {{ ref('stg_lago__charge_ranges') }}
),

inputs as (
    select
        {{ rating_hash(['charge_usage.charge_period_id', 'charge_usage.charge_lago_id', 'charge_usage.charge_filter_index', 'charge_usage.grouped_by']) }} as price_key,
        charge_usage.*,
        {{ charge_period_fee_columns('charge_periods') }},
        charge_periods.issuing_date,
        charge_periods.as_of_date,
        properties.charge_model,
        properties.is_invoiceable,
        properties.is_prorated,
        properties.description,
        {{ charge_price_term_columns('properties.') }},
        percentage_terms.per_transaction_amount_minor,
        coalesce(percentage_terms.free_units_value, properties.free_units_per_total_aggregation) as free_units_value,
        percentage_terms.free_events_count
    from charge_usage
    inner join charge_periods on charge_usage.charge_period_id = charge_periods.charge_period_id
    inner join properties
        on charge_usage.charge_lago_id = properties.charge_lago_id
        and charge_usage.charge_filter_index = properties.charge_filter_index
    left join percentage_terms
        on {{ same_fee_key('charge_usage', 'percentage_terms') }}
    where not properties.is_pay_in_advance
),

amounts as (
    {{ charge_amount_query('inputs', 'ranges') }}
),

final as (
    select
        {{ fee_id('inputs.external_subscription_id', 'inputs.lago_subscription_id', 'inputs.charge_lago_id', 'inputs.charge_filter_index', 'inputs.grouped_by', 'inputs.charge_service_start_date', "'charge'") }} as fee_id,
        inputs.charge_period_id,
        {{ fee_owner_columns('inputs.') }},
        'charge' as fee_type,
        inputs.plan_code,
        inputs.charge_lago_id,
        inputs.billable_metric_code,
        inputs.charge_filter_index,
        inputs.grouped_by,
        inputs.charge_model,
        inputs.aggregation_type,
        inputs.units,
        inputs.events_count,
        amounts.precise_amount_minor,
        {{ round_minor('amounts.precise_amount_minor') }} as amount_minor,
        inputs.charge_service_start_date as service_start_date,
        inputs.charge_service_end_date as service_end_date,
        inputs.charge_from_at as period_from_at,
        inputs.charge_to_at as period_to_at,
        inputs.issuing_date,
        false as is_pay_in_advance,
        inputs.is_invoiceable,
        inputs.is_prorated,
        {{ dbt.concat(['inputs.description', "case when inputs.grouped_by is not null then ' (' || inputs.grouped_by || ')' else '' end"]) }} as description,
        inputs.as_of_date
    from inputs
    inner join amounts on inputs.price_key = amounts.price_key
    -- no fee with 0 units, 0 amount and 0 events (pricing.md 0)
    where not (inputs.units = 0 and amounts.precise_amount_minor = 0 and inputs.events_count = 0)
)

select * from final
