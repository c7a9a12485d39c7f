-- Units each usage PO consumed per local day (A4.4), the weights its rated amount is spread
-- by. Only metrics whose daily units add up to the billing period's units: count (events) and
-- non-recurring sum (value_sum). max, latest, unique count, weighted sum and recurring metrics
-- have no additive daily units and spread evenly (int_revrec__schedule_segments).
with obligations as (
    select * from {{ ref('int_revrec__performance_obligations') }}
    where pattern = 'usage' and usage_charge_lago_id is not null
),

usage_daily as (
    select * from {{ ref('int_billing__usage_daily') }}
),

metrics as (
    select * from {{ ref('stg_lago__billable_metrics') }}
),

-- usage_daily holds one row per day and ingestion load: summed here
day_units as (
    select
        obligations.po_id,
        usage_daily.usage_date,
        sum(case metrics.aggregation_type
            when 'count_agg' then cast(usage_daily.events_count as decimal(38, 12))
            else usage_daily.value_sum
        end) as units
    from obligations
    inner join usage_daily
        on obligations.external_subscription_id = usage_daily.external_subscription_id
        and obligations.usage_charge_lago_id = usage_daily.charge_lago_id
        and obligations.usage_charge_filter_index = usage_daily.charge_filter_index
        and coalesce(obligations.usage_grouped_by, '') = coalesce(usage_daily.grouped_by, '')
        and usage_daily.usage_date between obligations.service_start_date and obligations.service_end_date
    inner join metrics on usage_daily.billable_metric_code = metrics.billable_metric_code
    where metrics.aggregation_type in ('count_agg', 'sum_agg') and not metrics.is_recurring
    group by obligations.po_id, usage_daily.usage_date
),

-- a day whose sum is negative (corrections) earns nothing rather than negative revenue
final as (
    select
        po_id,
        usage_date,
        cast(units as decimal(38, 12)) as units,
        cast(sum(units) over (partition by po_id order by usage_date rows between unbounded preceding and current row) as decimal(38, 12)) as cumulative_units
    from (select po_id, usage_date, units from day_units where units > 0) as positive_days
)

select * from final
