{{ config(meta={'dagster': {'ref': {'name': 'fct_journal_lines'}}}) }}
-- A11: per entity, currency and period, the general ledger's revenue − contra revenue (Σ credit −
-- debit over both accounts) equals the revenue the subledger posted in that period (Σ
-- recognized_delta_minor of int_revrec__postings: schedule months, catch-ups and adjustments).
with general_ledger as (
    select
        billing_entity_code,
        currency,
        period,
        sum(credit_minor - debit_minor) as net_revenue_minor
    from {{ ref('fct_journal_lines') }}
    where account_role in ('revenue', 'contra_revenue')
    group by billing_entity_code, currency, period
),

subledger as (
    select
        billing_entity_code,
        currency,
        posting_period as period,
        sum(recognized_delta_minor) as net_revenue_minor
    from {{ ref('int_revrec__postings') }}
    group by billing_entity_code, currency, posting_period
),

compared as (
    select
        coalesce(general_ledger.billing_entity_code, subledger.billing_entity_code) as billing_entity_code,
        coalesce(general_ledger.currency, subledger.currency) as currency,
        coalesce(general_ledger.period, subledger.period) as period,
        coalesce(general_ledger.net_revenue_minor, 0) as gl_net_revenue_minor,
        coalesce(subledger.net_revenue_minor, 0) as posted_net_revenue_minor
    from general_ledger
    full outer join subledger
        on general_ledger.billing_entity_code = subledger.billing_entity_code
        and general_ledger.currency = subledger.currency
        and general_ledger.period = subledger.period
)

select * from compared where gl_net_revenue_minor <> posted_net_revenue_minor
