{{ config(meta={'dagster': {'ref': {'name': 'fct_receivables_aging'}}}) }}
-- collections.md 4.3, 6.2: at the build's as_of date the dated unapplied cash
-- (int_collections__unapplied_cash_periods) and the aging's unapplied column both equal the
-- build's figure (fct_unapplied_cash), per customer × currency. Returns the differing rows.
with report_dates as (
    select * from {{ ref('int_collections__report_dates') }}
    where is_as_of_date
),

periods as (
    select * from {{ ref('int_collections__unapplied_cash_periods') }}
),

aging as (
    select * from {{ ref('fct_receivables_aging') }}
    where is_as_of_date
),

build as (
    select customer_key, currency, sum(unapplied_minor) as unapplied_minor
    from {{ ref('fct_unapplied_cash') }}
    group by customer_key, currency
),

dated as (
    select periods.customer_key, periods.currency, sum(periods.unapplied_minor) as unapplied_minor
    from periods
    inner join report_dates
        on periods.unapplied_from_date <= report_dates.report_date
        and (periods.unapplied_until_date is null or report_dates.report_date < periods.unapplied_until_date)
    group by periods.customer_key, periods.currency
),

aged as (
    select external_customer_id as customer_key, currency, sum(unapplied_cash_minor) as unapplied_minor
    from aging
    group by external_customer_id, currency
    having sum(unapplied_cash_minor) <> 0
),

compared as (
    select
        coalesce(build.customer_key, dated.customer_key, aged.customer_key) as customer_key,
        coalesce(build.currency, dated.currency, aged.currency) as currency,
        coalesce(build.unapplied_minor, 0) as build_minor,
        coalesce(dated.unapplied_minor, 0) as dated_minor,
        coalesce(aged.unapplied_minor, 0) as aging_minor
    from build
    full outer join dated on build.customer_key = dated.customer_key and build.currency = dated.currency
    full outer join aged
        on coalesce(build.customer_key, dated.customer_key) = aged.customer_key
        and coalesce(build.currency, dated.currency) = aged.currency
)

select * from compared
where build_minor <> dated_minor or build_minor <> aging_minor
