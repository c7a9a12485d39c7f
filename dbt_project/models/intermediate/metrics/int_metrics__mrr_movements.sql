{#- One B3 movement per customer, document currency and month, valued in the document currency
    and, at the month's rate, in the reporting currency with the opening's revaluation apart as
    fx_impact (metrics-and-revrec.md B3, B11). Whether a churn was involuntary comes from
    collections (collections.md 7). -#}
with customer_months as (
    select * from {{ ref('int_metrics__mrr_customer_months') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

terminations as (
    select * from {{ ref('fct_involuntary_churn') }}
),

with_previous as (
    select
        customer_months.*,
        lag(month) over by_month as previous_month,
        lag(closing_mrr_minor) over by_month as previous_closing_mrr_minor,
        lag(closing_mrr_reporting_minor) over by_month as previous_closing_mrr_reporting_minor,
        -- cohort and gap rule are the customer's, whatever the currency it paid in
        min(case when closing_mrr_minor > 0 then month end) over (
            partition by external_customer_id
        ) as first_paying_month,
        -- the reporting currency is complete for a month once every snapshot of it has a rate
        min(case when closing_mrr_reporting_minor is null then 0 else 1 end) over (partition by month) = 1
            as is_month_converted
    from customer_months
    window by_month as (partition by external_customer_id, currency order by month)
),

opened as (
    select
        with_previous.*,
        -- the interface has no gaps; a missing previous month is a snapshot at 0 all the same
        case
            when previous_month = cast({{ dbt.dateadd('month', -1, 'month') }} as date) then previous_closing_mrr_minor
            else 0
        end as opening_mrr_minor,
        case
            when previous_month = cast({{ dbt.dateadd('month', -1, 'month') }} as date) then previous_closing_mrr_reporting_minor
            else 0
        end as opening_mrr_reporting_minor
    from with_previous
),

classified as (
    select
        opened.*,
        -- unchanged MRR is worth exactly this month's closing (the interface converts from the
        -- unrounded rate legs, fx_rate is stored at 10 decimals), so a month without movement
        -- never carries a rounding difference outside fx_impact
        case
            when opened.opening_mrr_minor = opened.closing_mrr_minor then opened.closing_mrr_reporting_minor
            else {{ mrr_to_reporting_minor('opened.opening_mrr_minor', 'opened.fx_rate', 'document_currency.minor_unit_exponent', 'reporting_currency.minor_unit_exponent') }}
        end as opening_at_month_rate_reporting_minor,
        {{ mrr_to_reporting_minor('opened.scheduled_churn_mrr_minor', 'opened.fx_rate', 'document_currency.minor_unit_exponent', 'reporting_currency.minor_unit_exponent') }}
            as scheduled_churn_mrr_reporting_minor,
        case
            when opening_mrr_minor = 0 and closing_mrr_minor > 0 and first_paying_month = month then 'new'
            when opening_mrr_minor = 0 and closing_mrr_minor > 0 then 'reactivation'
            when opening_mrr_minor > 0 and closing_mrr_minor = 0 then 'churn'
            when closing_mrr_minor > opening_mrr_minor then 'expansion'
            when closing_mrr_minor < opening_mrr_minor then 'contraction'
            else 'none'
        end as movement
    from opened
    left join currencies as document_currency on opened.currency = document_currency.currency
    left join currencies as reporting_currency on opened.reporting_currency = reporting_currency.currency
),

-- a churn is involuntary when a subscription of the customer that ended in the month (between
-- the opening snapshot day and the closing one, UTC dates) was flagged by dunning
involuntary as (
    select distinct
        classified.external_customer_id,
        classified.currency,
        classified.month
    from classified
    inner join terminations
        on classified.external_customer_id = terminations.external_customer_id
        and terminations.churn_type = 'involuntary'
        and cast(terminations.terminated_at as date) >= cast({{ dbt.dateadd('day', -1, 'classified.month') }} as date)
        and cast(terminations.terminated_at as date) <= classified.month_end_date
    where classified.movement = 'churn'
),

final as (
    select
        classified.external_customer_id,
        classified.currency,
        classified.month,
        classified.month_end_date,
        classified.billing_entity_code,
        classified.primary_plan_code,
        classified.first_paying_month,
        cast(classified.opening_mrr_minor as bigint) as opening_mrr_minor,
        cast(classified.closing_mrr_minor as bigint) as closing_mrr_minor,
        classified.movement,
        cast(case when classified.movement = 'new' then classified.closing_mrr_minor else 0 end as bigint) as new_minor,
        cast(case when classified.movement = 'expansion' then classified.closing_mrr_minor - classified.opening_mrr_minor else 0 end as bigint)
            as expansion_minor,
        cast(case when classified.movement = 'contraction' then classified.opening_mrr_minor - classified.closing_mrr_minor else 0 end as bigint)
            as contraction_minor,
        cast(case when classified.movement = 'churn' then classified.opening_mrr_minor else 0 end as bigint) as churn_minor,
        cast(case when classified.movement = 'reactivation' then classified.closing_mrr_minor else 0 end as bigint) as reactivation_minor,
        case
            when classified.movement <> 'churn' then null
            when involuntary.external_customer_id is not null then 'involuntary'
            else 'voluntary'
        end as churn_kind,
        cast(classified.scheduled_churn_mrr_minor as bigint) as scheduled_churn_mrr_minor,
        classified.scheduled_churn_date,
        classified.reporting_currency,
        classified.fx_rate,
        classified.fx_rate_date,
        classified.is_month_converted,
        -- a previous snapshot without a rate is valued at this month's rate (no fx_impact)
        cast(coalesce(classified.opening_mrr_reporting_minor, classified.opening_at_month_rate_reporting_minor) as bigint)
            as opening_mrr_reporting_minor,
        cast(classified.closing_mrr_reporting_minor as bigint) as closing_mrr_reporting_minor,
        -- movements at M's rate; the opening's move from M-1's rate to M's is fx_impact (B11)
        case when classified.movement = 'new' then classified.closing_mrr_reporting_minor else 0 end as new_reporting_minor,
        case
            when classified.movement = 'expansion' then classified.closing_mrr_reporting_minor - classified.opening_at_month_rate_reporting_minor
            else 0
        end as expansion_reporting_minor,
        case
            when classified.movement = 'contraction' then classified.opening_at_month_rate_reporting_minor - classified.closing_mrr_reporting_minor
            else 0
        end as contraction_reporting_minor,
        case when classified.movement = 'churn' then classified.opening_at_month_rate_reporting_minor else 0 end as churn_reporting_minor,
        case when classified.movement = 'reactivation' then classified.closing_mrr_reporting_minor else 0 end as reactivation_reporting_minor,
        classified.opening_at_month_rate_reporting_minor
            - coalesce(classified.opening_mrr_reporting_minor, classified.opening_at_month_rate_reporting_minor)
            as fx_impact_reporting_minor,
        classified.scheduled_churn_mrr_reporting_minor
    from classified
    left join involuntary
        on classified.external_customer_id = involuntary.external_customer_id
        and classified.currency = involuntary.currency
        and classified.month = involuntary.month
)

select * from final
