-- Per billing entity × accounting period × currency, from the entity's first posting to the
-- report date's period: closed or open (int_revrec__closed_periods), who closed it and when,
-- and the revenue posted into it (posted figures, A10).
with postings as (
    select * from {{ ref('int_revrec__postings') }}
),

closed_periods as (
    select * from {{ ref('int_revrec__closed_periods') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

entity_currencies as (
    select
        billing_entity_code,
        currency,
        cast({{ dbt.date_trunc('month', 'min(posting_date)') }} as date) as first_period_start
    from postings
    group by billing_entity_code, currency
),

periods as (
    select
        entity_currencies.billing_entity_code,
        entity_currencies.currency,
        cast({{ dbt.dateadd('month', 'offsets.n', 'entity_currencies.first_period_start') }} as date) as period_start
    from entity_currencies
    cross join ({{ integers(3) }}) as offsets
    cross join report_date
    where cast({{ dbt.dateadd('month', 'offsets.n', 'entity_currencies.first_period_start') }} as date) <= report_date.report_date
),

posted as (
    select
        postings.billing_entity_code,
        postings.currency,
        postings.posting_period,
        sum(postings.recognized_delta_minor) as posted_revenue_minor,
        sum(case when postings.posting_kind = 'adjustment' then postings.recognized_delta_minor else 0 end) as adjustments_minor,
        sum(postings.contra_delta_minor) as contra_revenue_minor,
        sum(case when postings.is_adjustment then 1 else 0 end) as late_postings_count
    from postings
    cross join report_date
    where postings.posting_date <= report_date.report_date
    group by postings.billing_entity_code, postings.currency, postings.posting_period
),

final as (
    select
        periods.billing_entity_code,
        {{ revrec_period('periods.period_start') }} as period,
        periods.period_start,
        closed_periods.period is not null as is_closed,
        closed_periods.closed_at,
        closed_periods.closed_by,
        cast(coalesce(posted.posted_revenue_minor, 0) as bigint) as posted_revenue_minor,
        cast(coalesce(posted.adjustments_minor, 0) as bigint) as adjustments_minor,
        periods.currency,
        -- (no 'frozen before this build' flag: every closed period is frozen by the end of the
        -- build, and a mart must not depend on the warehouse's build history)
        cast(coalesce(posted.contra_revenue_minor, 0) as bigint) as contra_revenue_minor,
        cast(coalesce(posted.late_postings_count, 0) as bigint) as late_postings_count
    from periods
    left join closed_periods
        on periods.billing_entity_code = closed_periods.billing_entity_code
        and {{ revrec_period('periods.period_start') }} = closed_periods.period
    left join posted
        on periods.billing_entity_code = posted.billing_entity_code
        and periods.currency = posted.currency
        and {{ revrec_period('periods.period_start') }} = posted.posting_period
)

select * from final
