-- Each cohort's size (age 0) equals the number of customers new in its month (B9: the cohort is
-- the first paying month, the month of `new`), per document currency (the reporting currency
-- starts with the first month that has rates). Returns the months where they differ, either
-- side missing included.
with cohorts as (
    select cohort_month, currency, cohort_customers
    from {{ ref('fct_mrr_cohorts') }}
    where months_since_cohort = 0 and currency_basis = 'document'
),

new_customers as (
    select month, currency, count(distinct external_customer_id) as new_customers
    from {{ ref('fct_mrr') }}
    where movement = 'new'
    group by month, currency
)

select
    coalesce(cohorts.cohort_month, new_customers.month) as month,
    coalesce(cohorts.currency, new_customers.currency) as currency,
    cohorts.cohort_customers,
    new_customers.new_customers
from cohorts
full outer join new_customers
    on cohorts.cohort_month = new_customers.month
    and cohorts.currency = new_customers.currency
where cohorts.cohort_month is null
    or new_customers.month is null
    or cohorts.cohort_customers <> new_customers.new_customers
