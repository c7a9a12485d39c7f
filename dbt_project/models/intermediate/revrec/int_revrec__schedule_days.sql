{#- A table, not a view: the postings, close adjustments, waterfall and RPO all read it, and a view
    would expand every PO's days once per reader. -#}
{{ config(materialized='table') }}
-- The target schedule per day: what each PO recognises on each scheduled day ('schedule') and
-- its catch-ups on their effective dates ('catch_up'), both from the segments' formula.
with segments as (
    select * from {{ ref('int_revrec__schedule_segments') }}
),

usage_units as (
    select * from {{ ref('int_revrec__usage_units_daily') }}
),

day_offsets as (
    select generated_number - 1 as day_offset from ({{ dbt.generate_series(36600) }}) as numbers
),

obligations as (
    select * from segments where segment_no = 0
),

catch_ups as (
    select po_id, contract_id, effective_on, change_id, catch_up_amount_minor
    from segments
    where change_id is not null and catch_up_amount_minor <> 0
),

catch_ups_by_day as (
    select po_id, effective_on, sum(catch_up_amount_minor) as catch_up_amount_minor
    from catch_ups
    group by po_id, effective_on
),

catch_ups_before_schedule as (
    select catch_ups.po_id, sum(catch_ups.catch_up_amount_minor) as catch_up_amount_minor
    from catch_ups
    inner join obligations on catch_ups.po_id = obligations.po_id
    where catch_ups.effective_on < obligations.schedule_start_date
    group by catch_ups.po_id
),

scheduled_days as (
    select
        obligations.po_id,
        obligations.contract_id,
        obligations.weight_basis,
        obligations.schedule_start_date,
        obligations.total_weight,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'obligations.schedule_start_date') }} as date) as service_date
    from obligations
    inner join day_offsets
        on day_offsets.day_offset < {{ days_inclusive('obligations.schedule_start_date', 'obligations.schedule_end_date') }}
),

-- K(d): days served, or units consumed through the day
weighed_days as (
    select
        scheduled_days.po_id,
        scheduled_days.contract_id,
        scheduled_days.service_date,
        case when scheduled_days.weight_basis = 'usage_units'
            then cast(sum(coalesce(usage_units.units, 0)) over (
                partition by scheduled_days.po_id order by scheduled_days.service_date
                rows between unbounded preceding and current row) as decimal(38, 12))
            else {{ revrec_days_through('scheduled_days.schedule_start_date', 'scheduled_days.total_weight', 'scheduled_days.service_date') }}
        end as weight_through
    from scheduled_days
    left join usage_units
        on scheduled_days.po_id = usage_units.po_id
        and scheduled_days.service_date = usage_units.usage_date
),

recognised as (
    select
        weighed_days.po_id,
        weighed_days.contract_id,
        weighed_days.service_date,
        {{ revrec_recognised_through('segments.offset_amount_minor', 'segments.spread_amount_minor', 'weighed_days.weight_through', 'segments.weight_origin', 'segments.weight_span') }}
            as recognised_through_minor,
        coalesce(catch_ups_by_day.catch_up_amount_minor, 0) as catch_up_on_day_minor,
        coalesce(catch_ups_before_schedule.catch_up_amount_minor, 0) as catch_up_before_schedule_minor
    from weighed_days
    inner join segments
        on weighed_days.po_id = segments.po_id
        and {{ revrec_segment_holds('segments', 'weighed_days.service_date') }}
    left join catch_ups_by_day
        on weighed_days.po_id = catch_ups_by_day.po_id
        and weighed_days.service_date = catch_ups_by_day.effective_on
    left join catch_ups_before_schedule on weighed_days.po_id = catch_ups_before_schedule.po_id
),

-- a day's schedule amount: R(d) − R(d − 1) less the catch-ups booked that day (R before the
-- first day holds only the catch-ups dated before it)
day_amounts as (
    select
        po_id,
        contract_id,
        service_date,
        'schedule' as entry_kind,
        cast(null as {{ dbt.type_string() }}) as change_id,
        recognised_through_minor
            - coalesce(lag(recognised_through_minor) over (partition by po_id order by service_date), catch_up_before_schedule_minor)
            - catch_up_on_day_minor as amount_minor
    from recognised
),

entries as (
    select po_id, contract_id, service_date, entry_kind, change_id, amount_minor, 1 as entry_order from day_amounts
    union all
    select po_id, contract_id, effective_on as service_date, 'catch_up' as entry_kind, change_id, catch_up_amount_minor as amount_minor, 0 as entry_order
    from catch_ups
),

-- on a change's date the catch-up re-measures the days before it, then the day is recognised
final as (
    select
        po_id,
        contract_id,
        service_date,
        entry_kind,
        change_id,
        cast(amount_minor as bigint) as amount_minor,
        cast(sum(amount_minor) over (
            partition by po_id order by service_date, entry_order, change_id
            rows between unbounded preceding and current row) as bigint) as cumulative_amount_minor
    from entries
)

select * from final
