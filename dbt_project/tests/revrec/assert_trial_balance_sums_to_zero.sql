-- A11: at every month end (and the report date) the trial balance of each entity sums to zero
-- in each document currency, and in functional currency where every line has a rate.
select
    billing_entity_code,
    period,
    currency,
    sum(balance_minor) as balance_minor,
    sum(functional_balance_minor) as functional_balance_minor
from {{ ref('fct_trial_balance') }}
group by billing_entity_code, period, currency
having sum(balance_minor) <> 0
    or (count(*) = count(functional_balance_minor) and sum(functional_balance_minor) <> 0)
