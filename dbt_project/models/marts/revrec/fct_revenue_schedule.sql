-- The TARGET schedule as restated, per PO × revenue month × entry kind (× change): month
-- amounts are R(last day in month) − R(last day before month) from the segments' formula
-- (A4.1), never a sum of days, so the mart stays cheap at any number of days.
with segments as (
    select * from {{ ref('int_revrec__schedule_segments') }}
),

usage_units as (
    select * from {{ ref('int_revrec__usage_units_daily') }}
),

obligations as (
    select * from {{ ref('int_revrec__performance_obligations') }}
),

month_offsets as (
    select generated_number - 1 as month_offset from ({{ dbt.generate_series(1200) }}) as numbers
),

schedules as (
    select * from segments where segment_no = 0
),

catch_ups as (
    select
        po_id,
        change_id,
        effective_on,
        cast({{ dbt.date_trunc('month', 'effective_on') }} as date) as revenue_month,
        catch_up_amount_minor
    from segments
    where change_id is not null and catch_up_amount_minor <> 0
),

catch_up_months as (
    select po_id, revenue_month, sum(catch_up_amount_minor) as catch_up_amount_minor
    from catch_ups
    group by po_id, revenue_month
),

usage_months as (
    select
        po_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as revenue_month,
        sum(units) as units
    from usage_units
    group by po_id, cast({{ dbt.date_trunc('month', 'usage_date') }} as date)
),

schedule_months as (
    select
        schedules.po_id,
        schedules.weight_basis,
        schedules.schedule_start_date,
        schedules.total_weight,
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', dbt.date_trunc('month', 'schedules.schedule_start_date')) }} as date) as revenue_month
    from schedules
    inner join month_offsets
        on cast({{ dbt.dateadd('month', 'month_offsets.month_offset', dbt.date_trunc('month', 'schedules.schedule_start_date')) }} as date)
            <= schedules.schedule_end_date
),

-- units consumed through each month (usage POs weighed by units)
month_units as (
    select
        schedule_months.*,
        coalesce(usage_months.units, 0) as units_in_month,
        sum(coalesce(usage_months.units, 0)) over (
            partition by schedule_months.po_id order by schedule_months.revenue_month
            rows between unbounded preceding and current row) as units_through_month
    from schedule_months
    left join usage_months
        on schedule_months.po_id = usage_months.po_id
        and schedule_months.revenue_month = usage_months.revenue_month
),

-- K at the month's last day and at the day before the month
month_weights as (
    select
        po_id,
        revenue_month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'revenue_month')) }} as date) as month_end_date,
        cast({{ dbt.dateadd('day', -1, 'revenue_month') }} as date) as prior_end_date,
        case when weight_basis = 'usage_units'
            then cast(units_through_month as decimal(38, 12))
            else {{ revrec_days_through('schedule_start_date', 'total_weight', dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'revenue_month'))) }}
        end as weight_at_month_end,
        case when weight_basis = 'usage_units'
            then cast(units_through_month - units_in_month as decimal(38, 12))
            else {{ revrec_days_through('schedule_start_date', 'total_weight', dbt.dateadd('day', -1, 'revenue_month')) }}
        end as weight_before_month
    from month_units
),

-- R through the month's end and through the day before it (0 before the first segment)
month_recognised as (
    select
        month_weights.po_id,
        month_weights.revenue_month,
        {{ revrec_recognised_through('at_end.offset_amount_minor', 'at_end.spread_amount_minor', 'month_weights.weight_at_month_end', 'at_end.weight_origin', 'at_end.weight_span') }}
            as recognised_at_month_end_minor,
        coalesce(
            {{ revrec_recognised_through('before.offset_amount_minor', 'before.spread_amount_minor', 'month_weights.weight_before_month', 'before.weight_origin', 'before.weight_span') }},
            0
        ) as recognised_before_month_minor
    from month_weights
    inner join segments as at_end
        on month_weights.po_id = at_end.po_id
        and {{ revrec_segment_holds('at_end', 'month_weights.month_end_date') }}
    left join segments as before
        on month_weights.po_id = before.po_id
        and {{ revrec_segment_holds('before', 'month_weights.prior_end_date') }}
),

entries as (
    select
        month_recognised.po_id,
        month_recognised.revenue_month,
        'schedule' as entry_kind,
        cast(null as {{ dbt.type_string() }}) as change_id,
        cast(null as date) as effective_on,
        month_recognised.recognised_at_month_end_minor - month_recognised.recognised_before_month_minor
            - coalesce(catch_up_months.catch_up_amount_minor, 0) as amount_minor
    from month_recognised
    left join catch_up_months
        on month_recognised.po_id = catch_up_months.po_id
        and month_recognised.revenue_month = catch_up_months.revenue_month

    union all

    select po_id, revenue_month, 'catch_up' as entry_kind, change_id, effective_on, catch_up_amount_minor as amount_minor
    from catch_ups
),

final as (
    select
        entries.po_id,
        obligations.contract_id,
        obligations.document_id,
        obligations.line_id,
        obligations.external_customer_id,
        obligations.billing_entity_code,
        obligations.currency,
        obligations.pattern,
        entries.revenue_month,
        {{ revrec_period('entries.revenue_month') }} as period,
        entries.entry_kind,
        entries.change_id,
        cast(entries.amount_minor as bigint) as amount_minor,
        -- catch-ups of a month first (by date), then its schedule row: the schedule row carries
        -- R(month end)
        cast(sum(entries.amount_minor) over (
            partition by entries.po_id
            order by entries.revenue_month, case when entries.entry_kind = 'catch_up' then 0 else 1 end, entries.effective_on, entries.change_id
            rows between unbounded preceding and current row) as bigint) as cumulative_amount_minor,
        obligations.allocated_amount_minor
    from entries
    inner join obligations on entries.po_id = obligations.po_id
)

select * from final
