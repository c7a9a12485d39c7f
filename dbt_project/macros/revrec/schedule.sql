{#- Recognition schedules (metrics-and-revrec.md A4, A8, A9), each formula once. A PO's schedule
    is a list of segments (int_revrec__schedule_segments); inside one, revenue recognised through
    a day, both entry kinds, is

        R(d) = offset + round_half_away_from_zero(spread × (K(d) − origin) / span)

    with K(d) the PO's cumulative weight through d: service days (A4.1), 1 from the delivery day
    (A4.2) or units consumed (A4.4). A segment with span 0 has nothing left to weigh: all its
    spread is recognised from its first day. Auditors recompute any month or balance from it
    without summing days. -#}
{% macro revrec_recognised_through(offset_expr, spread_expr, weight_expr, origin_expr, span_expr) -%}
    ({{ offset_expr }} + case
        when {{ span_expr }} = 0 then {{ spread_expr }}
        else {{ round_minor(exact_divide('(' ~ spread_expr ~ ') * ((' ~ weight_expr ~ ') - (' ~ origin_expr ~ '))', span_expr)) }}
    end)
{%- endmacro %}

{#- K(d) of a PO weighed by days (service days, or the single delivery day): the PO's days from
    its first scheduled day through `date_expr`, between 0 and all of them. -#}
{% macro revrec_days_through(schedule_start_expr, total_weight_expr, date_expr) -%}
    cast(case
        when {{ date_expr }} < {{ schedule_start_expr }} then 0
        when {{ days_inclusive(schedule_start_expr, date_expr) }} > {{ total_weight_expr }} then {{ total_weight_expr }}
        else {{ days_inclusive(schedule_start_expr, date_expr) }}
    end as decimal(38, 12))
{%- endmacro %}
{#- Join condition: the segment (alias `segments`) whose formula gives R on `date_expr`. -#}
{% macro revrec_segment_holds(segments, date_expr) -%}
    {{ date_expr }} >= {{ segments }}.segment_start_date
        and ({{ segments }}.segment_end_date is null or {{ date_expr }} <= {{ segments }}.segment_end_date)
{%- endmacro %}
