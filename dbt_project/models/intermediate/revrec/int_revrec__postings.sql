{#- The posted subledger (A6, A8, A10, A11): one row per posting, the one source contract
    balances, the waterfall and the journals read. Period close (A10) on top of
    int_revrec__event_postings:
    - a frozen period's postings are the frozen store's rows (fct_frozen_postings), byte for
      byte, whatever the events say now;
    - a document or cash posting dated in a frozen period that is not in the store (a late
      fact) is re-dated to max(event date, first day of the first open period after it),
      period_of_origin = the event's period, is_adjustment = true;
    - so is a document, or a credit note's catch-up, RECORDED after its period closed
      (recorded_at > closed_at) while that period is not frozen yet (the build that freezes it):
      a late fact by its own record, whatever the warehouse's history. Once frozen, the
      catch-up of such a note comes as a close adjustment instead (same amount, same period);
    - revenue (recognition, catch-up) of a frozen period that is not in the store is not posted
      there: the difference between the restated target and what was posted comes as
      'adjustment' rows in the first open period (int_revrec__close_adjustments);
    - everything else posts on its event date (a period closed but not yet frozen is frozen by
      this build with these rows). -#}
with event_postings as (
    select * from {{ ref('int_revrec__event_postings') }}
),

close_adjustments as (
    select * from {{ ref('int_revrec__close_adjustments') }}
),

closed_periods as (
    select * from {{ ref('int_revrec__closed_periods') }}
),

frozen_postings as (
    {{ frozen_rows('fct_frozen_postings', revrec_posting_columns(), 'frozen_revrec_state') }}
),

unfrozen as (
    select
        event_postings.*,
        closed_periods.first_open_period_start,
        -- late: dated in a frozen period but not in its store (revenue of it comes as close
        -- adjustments), or recorded after its period closed, frozen or not yet (A10: a credit
        -- note created on 15 June for 31 March posts in the first open period, even on the
        -- first build that freezes March)
        case
            when closed_periods.period is null then false
            when closed_periods.is_frozen then event_postings.posting_kind not in ('recognition', 'catch_up')
            else event_postings.recorded_at is not null
                and closed_periods.closed_at is not null
                and event_postings.recorded_at > closed_periods.closed_at
        end as is_late,
        coalesce(closed_periods.is_frozen, false) as is_in_frozen_period
    from event_postings
    left join closed_periods
        on event_postings.billing_entity_code = closed_periods.billing_entity_code
        and event_postings.posting_period = closed_periods.period
    where not exists (select 1 from frozen_postings where frozen_postings.posting_id = event_postings.posting_id)
),

on_time as (
    select {% for column in revrec_posting_columns() %}{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
    from unfrozen
    where not is_late and not is_in_frozen_period
),

{%- set late_values = {
    'posting_date': 'first_open_period_start',
    'posting_period': revrec_period('first_open_period_start'),
    'is_adjustment': 'true',
    'memo': "memo || ' (dated ' || cast(event_date as " ~ dbt.type_string() ~ ") || ' in closed period ' || period_of_origin || ')'",
} %}
late as (
    select {% for column in revrec_posting_columns() %}{{ late_values.get(column, column) }} as {{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
    from unfrozen
    where is_late
),

final as (
    select * from frozen_postings
    union all
    select * from on_time
    union all
    select * from late
    union all
    select {% for column in revrec_posting_columns() %}{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
    from close_adjustments
)

select * from final
