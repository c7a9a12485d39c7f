-- Pay-in-advance charges: one fee per event as it arrives (pricing.md 2). Each event's fee is
-- the charge price of the period's cumulative units after it minus the price before it, so
-- tiered models bill each event at its marginal tier; issued on the event's local day.
-- an inner join on the (few) pay-in-advance charges first: with none, the planner prunes the
-- whole event resolution instead of resolving every event and filtering afterwards
with advance_charges as (
    select charge_lago_id from {{ ref('stg_lago__charges') }} where is_pay_in_advance
),

resolved as (
    select resolved_events.*
    from {{ ref('int_billing__usage_events_resolved') }} as resolved_events
    inner join advance_charges on resolved_events.charge_lago_id = advance_charges.charge_lago_id
    where resolved_events.is_billable
        -- on the events' own column as well, so the filter reaches the event scan
        and resolved_events.billable_metric_code in (
            select billable_metric_code from {{ ref('stg_lago__charges') }} where is_pay_in_advance
        )
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

properties as (
    select * from {{ ref('int_billing__charge_properties') }}
),

ranges as (
    select * from {{ ref('stg_lago__charge_ranges') }}
),

located as (
    select
        resolved.event_key,
        resolved.usage_date,
        resolved.lago_subscription_id,
        resolved.charge_lago_id,
        resolved.billable_metric_code,
        resolved.charge_filter_index,
        resolved.grouped_by,
        resolved.event_at,
        resolved.transaction_id,
        resolved.precise_total_amount_cents,
        resolved.field_value,
        case when resolved.aggregation_type in ('count_agg', 'unique_count_agg')
            then cast(1 as decimal(38, 12)) else resolved.field_value end as event_units,
        charge_periods.charge_period_id,
        {{ charge_period_fee_columns('charge_periods') }},
        charge_periods.as_of_date
    from resolved
    inner join charge_periods
        on resolved.lago_subscription_id = charge_periods.lago_subscription_id
        and resolved.usage_date between charge_periods.charge_service_start_date and charge_periods.charge_service_end_date
),

cumulated as (
    select
        located.*,
        sum(event_units) over (
            partition by charge_period_id, charge_lago_id, charge_filter_index, grouped_by
            order by event_at, transaction_id rows between unbounded preceding and current row
        ) as units_after,
        row_number() over (
            partition by charge_period_id, charge_lago_id, charge_filter_index, grouped_by
            order by event_at, transaction_id
        ) as events_after
    from located
),

sides as (
    -- per-transaction percentage bounds price the event alone: its clamped amount on the
    -- 'after' side, nothing on the 'before' side
    select
        cumulated.event_key, 'after' as side, units_after as units, events_after as events_count,
        precise_total_amount_cents as dynamic_amount,
        {{ per_transaction_amount_minor('cumulated.field_value', 'properties.rate', 'properties.fixed_amount', 'properties.per_transaction_min_amount', 'properties.per_transaction_max_amount', 'cumulated.currency_exponent') }} as transaction_amount_minor
    from cumulated
    inner join properties
        on cumulated.charge_lago_id = properties.charge_lago_id
        and cumulated.charge_filter_index = properties.charge_filter_index
    union all
    select
        event_key, 'before' as side, units_after - event_units as units, events_after - 1 as events_count,
        cast(0 as decimal(38, 12)) as dynamic_amount, cast(0 as decimal(38, 12)) as transaction_amount_minor
    from cumulated
),

inputs as (
    select
        {{ dbt.concat(['sides.event_key', "'|'", 'sides.side']) }} as price_key,
        cumulated.charge_lago_id,
        cumulated.charge_filter_index,
        cumulated.currency_exponent,
        case when sides.units < 0 then cast(0 as decimal(38, 12)) else cast(sides.units as decimal(38, 12)) end as units,
        sides.events_count,
        sides.dynamic_amount as precise_total_amount_cents_sum,
        properties.charge_model,
        {{ charge_price_term_columns('properties.') }},
        cast(sides.transaction_amount_minor as decimal(38, 12)) as per_transaction_amount_minor,
        properties.free_units_per_total_aggregation as free_units_value,
        properties.free_units_per_events as free_events_count
    from sides
    inner join cumulated on sides.event_key = cumulated.event_key
    inner join properties
        on cumulated.charge_lago_id = properties.charge_lago_id
        and cumulated.charge_filter_index = properties.charge_filter_index
),

amounts as (
    {{ charge_amount_query('inputs', 'ranges') }}
),

marginal as (
    select
        cumulated.*,
        properties.is_invoiceable,
        properties.is_prorated,
        properties.description,
        properties.charge_model,
        after_amounts.precise_amount_minor - before_amounts.precise_amount_minor as marginal_amount_minor
    from cumulated
    inner join properties
        on cumulated.charge_lago_id = properties.charge_lago_id
        and cumulated.charge_filter_index = properties.charge_filter_index
    inner join amounts as after_amounts on after_amounts.price_key = {{ dbt.concat(['cumulated.event_key', "'|after'"]) }}
    inner join amounts as before_amounts on before_amounts.price_key = {{ dbt.concat(['cumulated.event_key', "'|before'"]) }}
),

final as (
    select
        {{ fee_id('external_subscription_id', 'lago_subscription_id', 'charge_lago_id', 'charge_filter_index', 'grouped_by', 'charge_service_start_date', "'charge'", 'event_key') }} as fee_id,
        charge_period_id,
        {{ fee_owner_columns() }},
        'charge' as fee_type,
        plan_code,
        charge_lago_id,
        billable_metric_code,
        charge_filter_index,
        grouped_by,
        charge_model,
        event_key,
        cast(case when event_units < 0 then 0 else event_units end as decimal(38, 12)) as units,
        cast(1 as bigint) as events_count,
        cast(case when marginal_amount_minor < 0 then 0 else marginal_amount_minor end as decimal(38, 12)) as precise_amount_minor,
        {{ round_minor('case when marginal_amount_minor < 0 then 0 else marginal_amount_minor end') }} as amount_minor,
        charge_service_start_date as service_start_date,
        charge_service_end_date as service_end_date,
        charge_from_at as period_from_at,
        charge_to_at as period_to_at,
        usage_date as issuing_date,
        true as is_pay_in_advance,
        is_invoiceable,
        is_prorated,
        description,
        as_of_date
    from marginal
)

select * from final
