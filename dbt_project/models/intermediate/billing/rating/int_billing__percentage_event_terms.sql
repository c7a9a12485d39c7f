-- Percentage charges need the order of events inside a period (free events, free units of
-- the first events, per-transaction min/max: pricing.md 2), which daily sums cannot give. The
-- only rating model that reads events, and only those of percentage charges using such terms.
-- One row per charge period × charge × filter × pricing group.
with resolved as (
    select * from {{ ref('int_billing__usage_events_resolved') }}
    where is_billable and charge_model = 'percentage'
        -- on the events' own column, so the filter reaches the event scan before resolution
        and billable_metric_code in (
            select billable_metric_code from {{ ref('stg_lago__charges') }} where charge_model = 'percentage'
        )
),

properties as (
    select * from {{ ref('int_billing__charge_properties') }}
    where charge_model = 'percentage'
        and (free_units_per_events is not null or free_units_per_total_aggregation is not null or per_transaction_min_amount is not null or per_transaction_max_amount is not null)
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

ordered as (
    select
        charge_periods.charge_period_id,
        charge_periods.currency_exponent,
        resolved.charge_lago_id,
        resolved.charge_filter_index,
        resolved.grouped_by,
        resolved.field_value,
        properties.rate,
        properties.fixed_amount,
        properties.free_units_per_events,
        properties.free_units_per_total_aggregation,
        properties.per_transaction_min_amount,
        properties.per_transaction_max_amount,
        row_number() over (
            partition by charge_periods.charge_period_id, resolved.charge_lago_id, resolved.charge_filter_index, resolved.grouped_by
            order by resolved.event_at, resolved.transaction_id
        ) as event_rank,
        sum(resolved.field_value) over (
            partition by charge_periods.charge_period_id, resolved.charge_lago_id, resolved.charge_filter_index, resolved.grouped_by
            order by resolved.event_at, resolved.transaction_id
            rows between unbounded preceding and current row
        ) as running_total
    from resolved
    inner join properties
        on resolved.charge_lago_id = properties.charge_lago_id
        and resolved.charge_filter_index = properties.charge_filter_index
    inner join charge_periods
        on resolved.lago_subscription_id = charge_periods.lago_subscription_id
        and resolved.usage_date between charge_periods.charge_service_start_date and charge_periods.charge_service_end_date
),

-- free events: the first N; with a free total T as well, only events whose running total
-- stays within T, whichever is fewer (pricing.md 2)
free_terms as (
    select
        charge_period_id, charge_lago_id, charge_filter_index, grouped_by,
        sum(case
            when (free_units_per_events is null or event_rank <= free_units_per_events)
                and (free_units_per_total_aggregation is null or running_total <= free_units_per_total_aggregation)
                and (free_units_per_events is not null or free_units_per_total_aggregation is not null)
            then 1 else 0 end) as free_events_count
    from ordered
    group by charge_period_id, charge_lago_id, charge_filter_index, grouped_by
),

priced as (
    select
        ordered.*,
        free_terms.free_events_count,
        {{ per_transaction_amount_minor('ordered.field_value', 'ordered.rate', 'ordered.fixed_amount', 'ordered.per_transaction_min_amount', 'ordered.per_transaction_max_amount', 'ordered.currency_exponent') }} as transaction_amount_minor
    from ordered
    inner join free_terms
        on {{ same_fee_key('ordered', 'free_terms') }}
),

final as (
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        grouped_by,
        max(free_events_count) as free_events_count,
        -- free units: T alone; the first N events' units; with both the smaller
        cast(case
            when max(free_units_per_events) is null then max(free_units_per_total_aggregation)
            when max(free_units_per_total_aggregation) is null
                then sum(case when event_rank <= free_units_per_events then field_value else 0 end)
            when sum(case when event_rank <= free_units_per_events then field_value else 0 end) < max(free_units_per_total_aggregation)
                then sum(case when event_rank <= free_units_per_events then field_value else 0 end)
            else max(free_units_per_total_aggregation)
        end as decimal(38, 12)) as free_units_value,
        -- per-transaction pricing: each paying (non-free) event alone, already clamped
        cast(sum(case when event_rank > free_events_count then transaction_amount_minor else 0 end) as decimal(38, 12)) as per_transaction_amount_minor
    from priced
    group by charge_period_id, charge_lago_id, charge_filter_index, grouped_by
)

select * from final
