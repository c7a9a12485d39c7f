{#- Billing period bounds (pricing.md 3), each once: the rating models and the assurance checks
    that recompute what a contract owes cut periods the same way. Dates are local dates. -#}

{#- Months in one period of a plan interval (null for weekly, which steps by 7 days). -#}
{% macro interval_months(interval_expr) -%}
    (case {{ interval_expr }}
        when 'monthly' then 1 when 'quarterly' then 3 when 'semiannual' then 6 when 'yearly' then 12
    end)
{%- endmacro %}

{#- First day of the calendar period of `interval_expr` holding `date_expr`: the 1st of the
    month, quarter, half-year (1 Jan / 1 Jul) or year; Monday for weekly. -#}
{% macro calendar_period_anchor(interval_expr, date_expr) -%}
    case
        when {{ interval_expr }} = 'weekly' then cast({{ dbt.date_trunc('week', date_expr) }} as date)
        when {{ interval_expr }} = 'monthly' then cast({{ dbt.date_trunc('month', date_expr) }} as date)
        when {{ interval_expr }} = 'quarterly' then cast({{ dbt.date_trunc('quarter', date_expr) }} as date)
        when {{ interval_expr }} = 'semiannual' then cast({{ dbt.dateadd('month', 'case when extract(month from ' ~ date_expr ~ ') >= 7 then 6 else 0 end', dbt.date_trunc('year', date_expr)) }} as date)
        else cast({{ dbt.date_trunc('year', date_expr) }} as date)
    end
{%- endmacro %}

{#- Start and end (inclusive) of period number `n_expr` (1 = the anchor's) from `anchor_expr`:
    each bound re-derived from the anchor (anchor + k steps), so a 31st anniversary clamps to
    short months without drifting (31 Jan -> 28 Feb -> 31 Mar). -#}
{% macro billing_period_start(interval_expr, anchor_expr, n_expr) -%}
    case
        when {{ interval_expr }} = 'weekly'
            then cast({{ dbt.dateadd('day', '7 * (' ~ n_expr ~ ' - 1)', anchor_expr) }} as date)
        else cast({{ dbt.dateadd('month', interval_months(interval_expr) ~ ' * (' ~ n_expr ~ ' - 1)', anchor_expr) }} as date)
    end
{%- endmacro %}

{% macro billing_period_end(interval_expr, anchor_expr, n_expr) -%}
    case
        when {{ interval_expr }} = 'weekly'
            then cast({{ dbt.dateadd('day', '7 * ' ~ n_expr ~ ' - 1', anchor_expr) }} as date)
        else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', interval_months(interval_expr) ~ ' * ' ~ n_expr, anchor_expr)) }} as date)
    end
{%- endmacro %}

{#- How many periods from `anchor_expr` can start by `until_expr`, plus one spare: a bound
    for joining a number series (a cross join with every number built rows to drop). -#}
{% macro billing_periods_until(interval_expr, anchor_expr, until_expr) -%}
    case
        when {{ interval_expr }} = 'weekly' then {{ dbt.datediff(anchor_expr, until_expr, 'day') }} / 7 + 2
        else {{ dbt.datediff(anchor_expr, until_expr, 'month') }} / {{ interval_months(interval_expr) }} + 2
    end
{%- endmacro %}
