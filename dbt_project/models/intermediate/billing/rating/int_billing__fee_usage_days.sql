-- Lineage of usage fees: one row per in-arrears charge fee × usage_daily row it counted
-- (window days; recurring metrics also their earlier days). From a usage_daily row the
-- events are those of int_billing__usage_events_resolved with the same keys and usage_date
-- (analyses/events_behind_a_fee.sql does the whole walk).
with charge_fees as (
    select * from {{ ref('int_billing__charge_fees') }}
),

metrics as (
    select * from {{ ref('stg_lago__billable_metrics') }}
),

usage_daily as (
    select * from {{ ref('int_billing__usage_daily') }}
),

final as (
    select
        charge_fees.fee_id,
        usage_daily.usage_daily_id,
        usage_daily.usage_date,
        usage_daily.events_count,
        usage_daily.usage_date >= charge_fees.service_start_date as is_in_window
    from charge_fees
    inner join metrics on charge_fees.billable_metric_code = metrics.billable_metric_code
    inner join usage_daily
        on {{ same_fee_key('charge_fees', 'usage_daily', leading=['lago_subscription_id']) }}
        and usage_daily.usage_date <= charge_fees.service_end_date
        and (metrics.is_recurring or usage_daily.usage_date >= charge_fees.service_start_date)
)

select * from final
