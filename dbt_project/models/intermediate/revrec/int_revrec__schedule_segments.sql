-- The pieces of each PO's recognition schedule after its changes (A4, A8, A9): segment 0 is
-- the PO as allocated; each change, in effective order, starts the next segment (and may book a
-- catch-up). Any day's recognised-to-date is one formula (macro revrec_recognised_through).
with obligations as (
    select * from {{ ref('int_revrec__performance_obligations') }}
),

changes as (
    select * from {{ ref('int_revrec__po_changes') }}
),

usage_units as (
    select * from {{ ref('int_revrec__usage_units_daily') }}
),

usage_totals as (
    select po_id, sum(units) as total_units from usage_units group by po_id
),

-- what a PO's schedule is weighed by, and over which days
bases as (
    select
        obligations.po_id,
        obligations.contract_id,
        obligations.pattern,
        obligations.allocated_amount_minor,
        case
            when obligations.pattern = 'point_in_time' then coalesce(obligations.delivered_on, obligations.issuing_date)
            when obligations.pattern in ('ratable', 'usage') then obligations.service_start_date
        end as schedule_start_date,
        case
            when obligations.pattern = 'point_in_time' then coalesce(obligations.delivered_on, obligations.issuing_date)
            when obligations.pattern in ('ratable', 'usage') then obligations.service_end_date
        end as schedule_end_date,
        case
            when obligations.pattern = 'point_in_time' then 'delivery_day'
            when obligations.pattern = 'usage' and usage_totals.total_units > 0 then 'usage_units'
            when obligations.pattern in ('ratable', 'usage') then 'service_days'
        end as weight_basis,
        usage_totals.total_units
    from obligations
    left join usage_totals on obligations.po_id = usage_totals.po_id
    -- a line at 0 that nothing changes is kept for lineage (A1) and schedules nothing
    where obligations.allocated_amount_minor <> 0
        or exists (select 1 from changes where changes.po_id = obligations.po_id)
),

weighed as (
    select
        bases.*,
        cast(case
            when weight_basis = 'usage_units' then total_units
            else {{ days_inclusive('schedule_start_date', 'schedule_end_date') }}
        end as decimal(38, 12)) as total_weight
    from bases
),

ordered_changes as (
    select
        changes.change_id,
        changes.po_id,
        changes.kind,
        changes.effective_on,
        changes.amount_minor,
        cast(row_number() over (partition by changes.po_id order by changes.effective_on, changes.change_id) as bigint) as change_no
    from changes
),

-- K(E − 1): the PO's weight served before the change takes effect
change_points as (
    select
        ordered_changes.*,
        weighed.total_weight,
        case when weighed.schedule_end_date < {{ dbt.dateadd('day', -1, 'ordered_changes.effective_on') }}
            then weighed.schedule_end_date
            else cast({{ dbt.dateadd('day', -1, 'ordered_changes.effective_on') }} as date)
        end as last_served_date,
        case when weighed.weight_basis = 'usage_units'
            then coalesce((
                select sum(usage_units.units) from usage_units
                where usage_units.po_id = ordered_changes.po_id
                    and usage_units.usage_date < ordered_changes.effective_on
            ), cast(0 as decimal(38, 12)))
            else {{ revrec_days_through('weighed.schedule_start_date', 'weighed.total_weight', dbt.dateadd('day', -1, 'ordered_changes.effective_on')) }}
        end as weight_before
    from ordered_changes
    inner join weighed on ordered_changes.po_id = weighed.po_id
),

-- Each step applies change n + 1 to the segment left by change n.
--   prospective (unused_service, price_change_prospective; A9): days before E keep what they
--     recognised; the remainder (new total − recognised before E) is spread over the weight
--     left from E. No weight left: the remainder lands on the last served day.
--   catch-up (price_concession, billing_error, refund; A8): the segment's spread drops by c
--     over the same weights, so the days served before E are re-measured in one catch-up on E.
--   either way, a new spread below 0 (the change takes back more than was left to recognise)
--     settles on E: the excess is a catch-up, later days get 0.
steps as (
    with recursive segments as (
        select
            po_id,
            cast(0 as bigint) as segment_no,
            cast(null as {{ dbt.type_string() }}) as change_id,
            cast(null as {{ dbt.type_string() }}) as change_kind,
            cast(null as date) as effective_on,
            schedule_start_date as segment_start_date,
            cast(0 as bigint) as offset_amount_minor,
            cast(allocated_amount_minor as bigint) as spread_amount_minor,
            cast(0 as decimal(38, 12)) as weight_origin,
            total_weight as weight_span,
            cast(allocated_amount_minor as bigint) as total_amount_minor,
            cast(0 as bigint) as catch_up_amount_minor
        from weighed

        union all

        select
            po_id,
            segment_no,
            change_id,
            change_kind,
            effective_on,
            case when is_prospective and not is_settled and weight_left = 0 and prospective_spread > 0
                then last_served_date else effective_on
            end as segment_start_date,
            case
                when is_settled then new_total
                when is_prospective then recognised_before
                else offset_amount_minor
            end as offset_amount_minor,
            case
                when is_settled then cast(0 as bigint)
                when is_prospective then prospective_spread
                else catch_up_spread
            end as spread_amount_minor,
            case when is_settled or is_prospective then weight_before else weight_origin end as weight_origin,
            case when is_settled or is_prospective then weight_left else weight_span end as weight_span,
            new_total as total_amount_minor,
            case
                when is_settled then new_total - recognised_before
                when is_prospective then cast(0 as bigint)
                else remeasured_before - recognised_before
            end as catch_up_amount_minor
        from (
            select
                measured.*,
                (is_prospective and prospective_spread < 0) or (not is_prospective and catch_up_spread < 0) as is_settled
            from (
                select
                    segments.po_id,
                    change_points.change_no as segment_no,
                    change_points.change_id,
                    change_points.kind as change_kind,
                    change_points.effective_on,
                    change_points.last_served_date,
                    change_points.weight_before,
                    change_points.total_weight - change_points.weight_before as weight_left,
                    segments.offset_amount_minor,
                    segments.weight_origin,
                    segments.weight_span,
                    change_points.kind in ('unused_service', 'price_change_prospective') as is_prospective,
                    segments.total_amount_minor - change_points.amount_minor as new_total,
                    segments.spread_amount_minor - change_points.amount_minor as catch_up_spread,
                    {{ revrec_recognised_through('segments.offset_amount_minor', 'segments.spread_amount_minor', 'change_points.weight_before', 'segments.weight_origin', 'segments.weight_span') }} as recognised_before,
                    segments.total_amount_minor - change_points.amount_minor
                        - {{ revrec_recognised_through('segments.offset_amount_minor', 'segments.spread_amount_minor', 'change_points.weight_before', 'segments.weight_origin', 'segments.weight_span') }}
                        as prospective_spread,
                    {{ revrec_recognised_through('segments.offset_amount_minor', 'segments.spread_amount_minor - change_points.amount_minor', 'change_points.weight_before', 'segments.weight_origin', 'segments.weight_span') }} as remeasured_before
                from segments
                inner join change_points
                    on segments.po_id = change_points.po_id
                    and change_points.change_no = segments.segment_no + 1
            ) as measured
        ) as decided
    )

    select * from segments
),

final as (
    select
        steps.po_id,
        steps.segment_no,
        weighed.contract_id,
        weighed.pattern,
        weighed.weight_basis,
        weighed.schedule_start_date,
        weighed.schedule_end_date,
        weighed.total_weight,
        weighed.allocated_amount_minor,
        steps.change_id,
        steps.change_kind,
        steps.effective_on,
        steps.segment_start_date,
        -- a segment holds until the next one (by change order) starts
        cast({{ dbt.dateadd('day', -1, 'min(steps.segment_start_date) over (partition by steps.po_id order by steps.segment_no rows between 1 following and unbounded following)') }} as date) as segment_end_date,
        steps.offset_amount_minor,
        steps.spread_amount_minor,
        steps.weight_origin,
        steps.weight_span,
        steps.total_amount_minor,
        steps.catch_up_amount_minor
    from steps
    inner join weighed on steps.po_id = weighed.po_id
)

select * from final
