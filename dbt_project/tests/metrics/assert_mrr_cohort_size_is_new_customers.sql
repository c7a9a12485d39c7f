-- Each cohort's size (age 0) equals the number of customers new in its month (B9: the cohort is
-- the first paying month, the month of `new`), per document currency (the reporting currency
-- starts with the first month that has rates) and in every cut (entity or all entities ×
-- segment, int_metrics__customer_cuts). Returns the months where they differ, either side
-- missing included.
with cohorts as (
    select cohort_month, currency, billing_entity_code, segment_type, segment_value, cohort_customers
    from {{ ref('fct_mrr_cohorts') }}
    where months_since_cohort = 0 and currency_basis = 'document'
),

new_customers as (
    select
        fct_mrr.month,
        fct_mrr.currency,
        cuts.billing_entity_code,
        cuts.segment_type,
        cuts.segment_value,
        count(distinct fct_mrr.external_customer_id) as new_customers
    from {{ ref('fct_mrr') }} as fct_mrr
    inner join {{ ref('int_metrics__customer_cuts') }} as cuts
        on fct_mrr.external_customer_id = cuts.external_customer_id
    where fct_mrr.movement = 'new'
    group by fct_mrr.month, fct_mrr.currency, cuts.billing_entity_code, cuts.segment_type, cuts.segment_value
)

select
    coalesce(cohorts.cohort_month, new_customers.month) as month,
    coalesce(cohorts.currency, new_customers.currency) as currency,
    coalesce(cohorts.billing_entity_code, new_customers.billing_entity_code) as billing_entity_code,
    coalesce(cohorts.segment_type, new_customers.segment_type) as segment_type,
    coalesce(cohorts.segment_value, new_customers.segment_value) as segment_value,
    cohorts.cohort_customers,
    new_customers.new_customers
from cohorts
full outer join new_customers
    on cohorts.cohort_month = new_customers.month
    and cohorts.currency = new_customers.currency
    and cohorts.billing_entity_code = new_customers.billing_entity_code
    and cohorts.segment_type = new_customers.segment_type
    and cohorts.segment_value = new_customers.segment_value
where cohorts.cohort_month is null
    or new_customers.month is null
    or cohorts.cohort_customers <> new_customers.new_customers
