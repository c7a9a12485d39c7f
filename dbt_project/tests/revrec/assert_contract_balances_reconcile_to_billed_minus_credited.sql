{{ config(meta={'dagster': {'ref': {'name': 'fct_contract_balances'}}}) }}
-- A6, at every month end and the report date, per contract: revenue + deferred − unbilled =
-- billed − credited, with revenue, billed and credited summed here from the subledger's
-- postings (invoices; credit notes and voids) independently of the balances' own running sums.
with balances as (
    select * from {{ ref('fct_contract_balances') }}
),

postings as (
    select * from {{ ref('int_revrec__postings') }}
),

from_postings as (
    select
        balances.contract_id,
        balances.currency,
        balances.balance_date,
        coalesce(sum(case when postings.posting_kind = 'invoice' then postings.billed_delta_minor else 0 end), 0) as invoiced_minor,
        coalesce(sum(case when postings.posting_kind in ('credit_note', 'void') then -postings.billed_delta_minor else 0 end), 0) as credited_minor,
        coalesce(sum(postings.recognized_delta_minor), 0) as revenue_minor
    from balances
    left join postings
        on balances.contract_id = postings.contract_id
        and balances.currency = postings.currency
        and postings.posting_date <= balances.balance_date
    group by balances.contract_id, balances.currency, balances.balance_date
)

select
    balances.contract_id,
    balances.currency,
    balances.balance_date,
    from_postings.revenue_minor,
    balances.deferred_revenue_minor,
    balances.unbilled_receivable_minor,
    from_postings.invoiced_minor,
    from_postings.credited_minor
from balances
inner join from_postings
    on balances.contract_id = from_postings.contract_id
    and balances.currency = from_postings.currency
    and balances.balance_date = from_postings.balance_date
where from_postings.revenue_minor + balances.deferred_revenue_minor - balances.unbilled_receivable_minor
        <> from_postings.invoiced_minor - from_postings.credited_minor
    or balances.deferred_revenue_minor < 0
    or balances.unbilled_receivable_minor < 0
    or (balances.deferred_revenue_minor > 0 and balances.unbilled_receivable_minor > 0)
