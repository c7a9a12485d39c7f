-- The bridge closes in every month, currency (document, and reporting with fx_impact), entity
-- and segment; each cut opens where it closed the month before; every segment type splits the
-- same total; and the total is the customers' (fct_mrr). Returns the cuts that break it.
with bridge as (
    select * from {{ ref('fct_mrr_bridge') }}
),

mrr as (
    select * from {{ ref('fct_mrr') }}
),

chained as (
    select
        bridge.*,
        lag(month) over by_month as previous_month,
        lag(closing_mrr_minor) over by_month as previous_closing
    from bridge
    window by_month as (
        partition by currency_basis, currency, billing_entity_code, segment_type, segment_value order by month
    )
),

not_closing as (
    select 'bridge does not close' as failure, month, currency_basis, currency, billing_entity_code, segment_type, segment_value
    from chained
    where opening_mrr_minor + new_minor + expansion_minor - contraction_minor - churn_minor + reactivation_minor + fx_impact_minor
        <> closing_mrr_minor
        or (currency_basis = 'document' and fx_impact_minor <> 0)
        or (previous_month = cast({{ dbt.dateadd('month', -1, 'month') }} as date) and previous_closing <> opening_mrr_minor)
        -- a cut that starts opens at 0, except the first month the reporting currency has rates
        or (previous_month < cast({{ dbt.dateadd('month', -1, 'month') }} as date) and opening_mrr_minor <> 0)
        or (previous_month is null and opening_mrr_minor <> 0
            and (currency_basis = 'document' or month > (select min(month) from bridge where currency_basis = 'reporting')))
),

by_type as (
    select
        month, currency_basis, currency, segment_type,
        sum(opening_mrr_minor) as opening, sum(new_minor) as new_amount, sum(expansion_minor) as expansion,
        sum(contraction_minor) as contraction, sum(churn_minor) as churn, sum(reactivation_minor) as reactivation,
        sum(fx_impact_minor) as fx_impact, sum(closing_mrr_minor) as closing
    from bridge
    group by month, currency_basis, currency, segment_type
),

customers as (
    select
        month, 'document' as currency_basis, currency,
        sum(opening_mrr_minor) as opening, sum(new_minor) as new_amount, sum(expansion_minor) as expansion,
        sum(contraction_minor) as contraction, sum(churn_minor) as churn, sum(reactivation_minor) as reactivation,
        0 as fx_impact, sum(closing_mrr_minor) as closing
    from mrr
    group by month, currency
    union all
    select
        month, 'reporting', reporting_currency,
        sum(opening_mrr_reporting_minor), sum(new_reporting_minor), sum(expansion_reporting_minor),
        sum(contraction_reporting_minor), sum(churn_reporting_minor), sum(reactivation_reporting_minor),
        sum(fx_impact_reporting_minor), sum(closing_mrr_reporting_minor)
    from mrr
    where month in (select month from bridge where currency_basis = 'reporting')
    group by month, reporting_currency
),

-- a cut left out of the bridge has nothing at either snapshot, so it adds 0 to every column
segments_disagree as (
    select
        'segment type ' || by_type.segment_type || ' does not add up to the customers' as failure,
        coalesce(by_type.month, customers.month) as month,
        coalesce(by_type.currency_basis, customers.currency_basis) as currency_basis,
        coalesce(by_type.currency, customers.currency) as currency,
        null as billing_entity_code,
        by_type.segment_type,
        null as segment_value
    from by_type
    full outer join customers
        on by_type.month = customers.month
        and by_type.currency_basis = customers.currency_basis
        and by_type.currency = customers.currency
    where by_type.month is null
        or customers.month is null
        or by_type.opening <> customers.opening
        or by_type.new_amount <> customers.new_amount
        or by_type.expansion <> customers.expansion
        or by_type.contraction <> customers.contraction
        or by_type.churn <> customers.churn
        or by_type.reactivation <> customers.reactivation
        or by_type.fx_impact <> customers.fx_impact
        or by_type.closing <> customers.closing
)

select * from not_closing
union all
select * from segments_disagree
