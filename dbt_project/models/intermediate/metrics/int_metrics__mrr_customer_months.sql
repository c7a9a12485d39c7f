{#- Month-end MRR snapshots per customer and document currency (metrics-and-revrec.md B2, B10,
    B11): complete months from the first month end with MRR > 0, zero months kept, converted to
    the reporting currency at the month-end rate. Movements, rates, cohorts and segments read
    only these columns. -#}
with items as (
    select * from {{ ref('int_metrics__mrr_items') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

settings as (
    select * from {{ ref('stg_reference__settings') }}
),

rates as (
    select * from {{ ref('stg_ecb__rates') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

series as (
    select generated_number - 1 as month_offset from ({{ dbt.generate_series(1200) }}) as numbers
),

as_of as (
    select cast({{ rating_as_of_at('settings') }} as date) as as_of_date
),

reporting as (
    select upper(max(value)) as reporting_currency from settings where key = 'reporting_currency'
),

paying_items as (
    select * from items where mrr_minor > 0
),

customer_span as (
    select
        external_customer_id,
        currency,
        cast({{ dbt.date_trunc('month', 'min(mrr_from_date)') }} as date) as first_month
    from paying_items
    group by external_customer_id, currency
),

-- one snapshot per customer and complete month (its month end before the as_of date)
snapshots as (
    select
        customer_span.external_customer_id,
        customer_span.currency,
        cast({{ dbt.dateadd('month', 'series.month_offset', 'customer_span.first_month') }} as date) as month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'series.month_offset + 1', 'customer_span.first_month')) }} as date) as month_end_date
    from customer_span
    cross join series
    cross join as_of
    where cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'series.month_offset + 1', 'customer_span.first_month')) }} as date) < as_of.as_of_date
),

-- items in force at the end of the snapshot day: from <= D < to (B2)
in_force as (
    select
        snapshots.external_customer_id,
        snapshots.currency,
        snapshots.month,
        paying_items.plan_code,
        paying_items.mrr_minor,
        -- an end already known at the snapshot that is not a plan change: scheduled churn (B10)
        case
            when paying_items.item_to_date is not null
                and not paying_items.is_replaced_by_plan_change
                and paying_items.end_known_date <= snapshots.month_end_date
                then paying_items.item_to_date
        end as scheduled_churn_date
    from snapshots
    inner join paying_items
        on snapshots.external_customer_id = paying_items.external_customer_id
        and snapshots.currency = paying_items.currency
        and paying_items.mrr_from_date <= snapshots.month_end_date
        and (paying_items.mrr_to_date is null or snapshots.month_end_date < paying_items.mrr_to_date)
),

plan_mrr as (
    select external_customer_id, currency, month, plan_code, sum(mrr_minor) as plan_mrr_minor
    from in_force
    group by external_customer_id, currency, month, plan_code
),

primary_plans as (
    select
        plan_mrr.*,
        row_number() over (
            partition by external_customer_id, currency, month
            order by plan_mrr_minor desc, plan_code
        ) as plan_rank
    from plan_mrr
),

closing as (
    select
        snapshots.external_customer_id,
        snapshots.currency,
        snapshots.month,
        snapshots.month_end_date,
        coalesce(sum(in_force.mrr_minor), 0) as closing_mrr_minor,
        count(in_force.mrr_minor) as paying_items_count,
        coalesce(sum(case when in_force.scheduled_churn_date is not null then in_force.mrr_minor end), 0) as scheduled_churn_mrr_minor,
        min(in_force.scheduled_churn_date) as scheduled_churn_date
    from snapshots
    left join in_force
        on snapshots.external_customer_id = in_force.external_customer_id
        and snapshots.currency = in_force.currency
        and snapshots.month = in_force.month
    group by snapshots.external_customer_id, snapshots.currency, snapshots.month, snapshots.month_end_date
),

first_paying as (
    select external_customer_id, currency, min(month) as first_paying_month
    from closing
    where closing_mrr_minor > 0
    group by external_customer_id, currency
),

-- ECB legs (units per EUR) at each month end: the last rate published on or before it
needed_legs as (
    select distinct closing.month_end_date, closing.currency from closing
    union
    select distinct closing.month_end_date, reporting.reporting_currency from closing cross join reporting
),

legs as (
    {{ ecb_last_legs('needed_legs', 'month_end_date', 'rates') }}
),

final as (
    select
        closing.external_customer_id,
        closing.currency,
        customers.billing_entity_code,
        closing.month,
        closing.month_end_date,
        cast(closing.closing_mrr_minor as bigint) as closing_mrr_minor,
        primary_plans.plan_code as primary_plan_code,
        cast(closing.paying_items_count as integer) as paying_items_count,
        cast(closing.scheduled_churn_mrr_minor as bigint) as scheduled_churn_mrr_minor,
        closing.scheduled_churn_date,
        reporting.reporting_currency,
        {{ fx_rate_columns('closing.currency = reporting.reporting_currency', 'closing.month_end_date',
            'reporting_leg', 'document_leg') }},
        -- from the two unrounded legs and both exponents, rounded once half away from zero (B11)
        case
            when closing.currency = reporting.reporting_currency then cast(closing.closing_mrr_minor as bigint)
            else {{ fx_legs_to_minor('closing.closing_mrr_minor', 'reporting_leg.rate', 'document_leg.rate',
                'document_exponent.minor_unit_exponent', 'reporting_exponent.minor_unit_exponent') }}
        end as closing_mrr_reporting_minor
    from closing
    inner join first_paying
        on closing.external_customer_id = first_paying.external_customer_id
        and closing.currency = first_paying.currency
        and closing.month >= first_paying.first_paying_month
    cross join reporting
    left join customers on closing.external_customer_id = customers.external_customer_id
    left join primary_plans
        on closing.external_customer_id = primary_plans.external_customer_id
        and closing.currency = primary_plans.currency
        and closing.month = primary_plans.month
        and primary_plans.plan_rank = 1
    left join legs as document_leg
        on closing.month_end_date = document_leg.month_end_date and closing.currency = document_leg.currency
    left join legs as reporting_leg
        on closing.month_end_date = reporting_leg.month_end_date and reporting.reporting_currency = reporting_leg.currency
    left join currencies as document_exponent on closing.currency = document_exponent.currency
    left join currencies as reporting_exponent on reporting.reporting_currency = reporting_exponent.currency
)

select * from final
