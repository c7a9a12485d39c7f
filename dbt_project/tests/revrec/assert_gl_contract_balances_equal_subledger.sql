{{ config(meta={'dagster': {'ref': {'name': 'fct_trial_balance'}}}) }}
-- A6/A11: at each month end and the report date, the general ledger's deferred revenue (a credit
-- balance) and unbilled receivable (a debit balance) per entity and currency equal the contract
-- balances of the subledger (fct_contract_balances) summed over the entity's contracts.
with general_ledger as (
    select
        billing_entity_code,
        period_end as balance_date,
        currency,
        sum(case when account_role = 'deferred_revenue' then -balance_minor else 0 end) as deferred_revenue_minor,
        sum(case when account_role = 'unbilled_receivable' then balance_minor else 0 end) as unbilled_receivable_minor
    from {{ ref('fct_trial_balance') }}
    group by billing_entity_code, period_end, currency
),

subledger as (
    select
        billing_entity_code,
        balance_date,
        currency,
        sum(deferred_revenue_minor) as deferred_revenue_minor,
        sum(unbilled_receivable_minor) as unbilled_receivable_minor
    from {{ ref('fct_contract_balances') }}
    group by billing_entity_code, balance_date, currency
),

compared as (
    select
        coalesce(general_ledger.billing_entity_code, subledger.billing_entity_code) as billing_entity_code,
        coalesce(general_ledger.balance_date, subledger.balance_date) as balance_date,
        coalesce(general_ledger.currency, subledger.currency) as currency,
        coalesce(general_ledger.deferred_revenue_minor, 0) as gl_deferred_revenue_minor,
        coalesce(subledger.deferred_revenue_minor, 0) as subledger_deferred_revenue_minor,
        coalesce(general_ledger.unbilled_receivable_minor, 0) as gl_unbilled_receivable_minor,
        coalesce(subledger.unbilled_receivable_minor, 0) as subledger_unbilled_receivable_minor
    from general_ledger
    full outer join subledger
        on general_ledger.billing_entity_code = subledger.billing_entity_code
        and general_ledger.balance_date = subledger.balance_date
        and general_ledger.currency = subledger.currency
)

select *
from compared
where gl_deferred_revenue_minor <> subledger_deferred_revenue_minor
    or gl_unbilled_receivable_minor <> subledger_unbilled_receivable_minor
