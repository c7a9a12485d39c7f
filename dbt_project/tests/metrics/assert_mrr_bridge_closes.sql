-- Every customer's MRR bridge closes per currency and month, in the document currency and in
-- the reporting currency with fx_impact, and each month opens where the previous snapshot
-- closed (metrics-and-revrec.md B3, B11). Returns the rows that break it.
with mrr as (
    select * from {{ ref('fct_mrr') }}
),

checked as (
    select
        mrr.*,
        lag(closing_mrr_minor) over by_month as previous_closing,
        lag(closing_mrr_reporting_minor) over by_month as previous_closing_reporting,
        lag(month) over by_month as previous_month
    from mrr
    window by_month as (partition by external_customer_id, currency order by month)
)

select *
from checked
where opening_mrr_minor + new_minor + expansion_minor - contraction_minor - churn_minor + reactivation_minor
        <> closing_mrr_minor
    or opening_mrr_reporting_minor + fx_impact_reporting_minor + new_reporting_minor + expansion_reporting_minor
        - contraction_reporting_minor - churn_reporting_minor + reactivation_reporting_minor
        <> closing_mrr_reporting_minor
    or (previous_month = cast({{ dbt.dateadd('month', -1, 'month') }} as date)
        and (previous_closing <> opening_mrr_minor or previous_closing_reporting <> opening_mrr_reporting_minor))
    or ((previous_month is null or previous_month < cast({{ dbt.dateadd('month', -1, 'month') }} as date))
        and (opening_mrr_minor <> 0 or opening_mrr_reporting_minor <> 0))
