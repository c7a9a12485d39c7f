-- Which events are behind a fee? fee -> its charge period and keys -> usage_daily days ->
-- the resolved events of those days. Compile with:
--   dbt compile --select events_behind_a_fee --vars '{fee_id: "<fee_id>"}'
-- Plan fees and true-ups have no events; a pay-in-advance fee has exactly one (event_key in
-- int_billing__advance_charge_fees). Recurring metrics also count days before the window, and
-- after an upgrade the earlier versions' days of the same metric (int_billing__charge_usage);
-- those are not listed here. usage_daily holds one row per day and ingestion load, so an
-- event belongs to the row of its day whose load window holds its _ingested_at.
with fee as (
    select * from {{ ref('int_billing__charge_fees') }}
    where fee_id = '{{ var("fee_id", "") }}'
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

usage_days as (
    select usage_daily.*
    from {{ ref('int_billing__usage_daily') }} as usage_daily
    inner join fee
        on usage_daily.lago_subscription_id = fee.lago_subscription_id
        and usage_daily.charge_lago_id = fee.charge_lago_id
        and usage_daily.charge_filter_index = fee.charge_filter_index
        and coalesce(usage_daily.grouped_by, '') = coalesce(fee.grouped_by, '')
        and usage_daily.usage_date between fee.service_start_date and fee.service_end_date
),

final as (
    select
        fee.fee_id,
        usage_days.usage_daily_id,
        events.event_key,
        events.transaction_id,
        events.event_at,
        events.field_value,
        events._source_file,
        events._row_number
    from {{ ref('int_billing__usage_events_resolved') }} as events
    inner join usage_days
        on events.lago_subscription_id = usage_days.lago_subscription_id
        and events.charge_lago_id = usage_days.charge_lago_id
        and events.charge_filter_index = usage_days.charge_filter_index
        and coalesce(events.grouped_by, '') = coalesce(usage_days.grouped_by, '')
        and events.usage_date = usage_days.usage_date
        and events._ingested_at between usage_days._min_ingested_at and usage_days._max_ingested_at
    cross join fee
    where events.unbillable_reason is null
)

select * from final
