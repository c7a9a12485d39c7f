-- Every month's MRR bridge closes per customer and currency, and each month opens where the
-- previous snapshot closed (metrics-and-revrec.md B3). Returns the rows that break it.
with mrr as (
    select * from {{ ref('fct_mrr') }}
),

checked as (
    select
        mrr.*,
        lag(closing_mrr_minor) over (partition by external_customer_id, currency order by month) as previous_closing,
        lag(month) over (partition by external_customer_id, currency order by month) as previous_month
    from mrr
)

select *
from checked
where opening_mrr_minor + new_minor + expansion_minor - contraction_minor - churn_minor + reactivation_minor
        <> closing_mrr_minor
    or (previous_month = cast({{ dbt.dateadd('month', -1, 'month') }} as date) and previous_closing <> opening_mrr_minor)
    or ((previous_month is null or previous_month < cast({{ dbt.dateadd('month', -1, 'month') }} as date)) and opening_mrr_minor <> 0)
