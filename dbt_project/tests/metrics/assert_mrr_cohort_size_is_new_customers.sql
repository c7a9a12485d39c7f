-- Each cohort's size (age 0) equals the number of customers new in its month (B9: the cohort is
-- the first paying month, the month of `new`), in the reporting currency where a customer counts
-- once. Returns the months where they differ, either side missing included.
with cohorts as (
    select cohort_month, cohort_customers
    from {{ ref('fct_mrr_cohorts') }}
    where months_since_cohort = 0 and currency_basis = 'reporting'
),

new_customers as (
    select month, count(distinct external_customer_id) as new_customers
    from {{ ref('fct_mrr') }}
    where movement = 'new'
    group by month
)

select
    coalesce(cohorts.cohort_month, new_customers.month) as month,
    cohorts.cohort_customers,
    new_customers.new_customers
from cohorts
full outer join new_customers on cohorts.cohort_month = new_customers.month
where cohorts.cohort_month is null
    or new_customers.month is null
    or cohorts.cohort_customers <> new_customers.new_customers
