-- Every terminated subscription, labelled involuntary or voluntary (collections.md 7):
-- involuntary when, at termination, an invoice of the subscription had entered dunning and was
-- still unpaid (not settled, not voided), and the termination came within
-- dunning.churn_window_days (30) after the customer's last attempt in that invoice's currency.
with subscriptions as (
    select * from {{ ref('stg_lago__subscriptions') }}
    where terminated_at is not null
),

settings as (
    select * from {{ ref('stg_reference__settings') }}
),

churn_window as (
    select cast(value as integer) as churn_window_days
    from settings
    where key = 'dunning.churn_window_days'
),

entered as (
    select * from {{ ref('fct_dunning_invoices') }}
),

attempts as (
    select * from {{ ref('int_collections__dunning_attempt_invoices') }}
),

invoice_subscriptions as (
    select distinct 'revhouse' as invoice_source, invoice_id, external_subscription_id
    from {{ ref('fct_invoice_fees') }}
    where external_subscription_id is not null
    union
    select distinct invoice_source, invoice_id, external_subscription_id
    from {{ ref('stg_billed__invoices') }}
    where external_subscription_id is not null
),

unpaid_at_termination as (
    select
        subscriptions.external_subscription_id,
        entered.invoice_source,
        entered.invoice_id,
        entered.currency,
        subscriptions.terminated_at,
        (
            select max(attempts.attempted_at) from attempts
            where attempts.external_customer_id = entered.external_customer_id
                and attempts.currency = entered.currency
                and attempts.attempted_at <= subscriptions.terminated_at
        ) as last_attempt_at
    from subscriptions
    inner join invoice_subscriptions
        on subscriptions.external_subscription_id = invoice_subscriptions.external_subscription_id
    inner join entered
        on invoice_subscriptions.invoice_source = entered.invoice_source
        and invoice_subscriptions.invoice_id = entered.invoice_id
    where entered.entered_at <= subscriptions.terminated_at
        and (entered.settled_at is null or entered.settled_at > subscriptions.terminated_at)
        and (entered.voided_at is null or entered.voided_at > subscriptions.terminated_at)
),

involuntary as (
    select
        unpaid_at_termination.external_subscription_id,
        min(unpaid_at_termination.invoice_id) as unpaid_invoice_id,
        max(unpaid_at_termination.last_attempt_at) as last_attempt_at
    from unpaid_at_termination
    cross join churn_window
    where unpaid_at_termination.terminated_at
        <= {{ dbt.dateadd('day', 'churn_window.churn_window_days', 'unpaid_at_termination.last_attempt_at') }}
    group by unpaid_at_termination.external_subscription_id
),

final as (
    select
        subscriptions.external_subscription_id,
        subscriptions.external_customer_id,
        subscriptions.plan_code,
        subscriptions.terminated_at,
        case when involuntary.external_subscription_id is not null then 'involuntary' else 'voluntary' end
            as churn_type,
        involuntary.unpaid_invoice_id,
        involuntary.last_attempt_at
    from subscriptions
    left join involuntary on subscriptions.external_subscription_id = involuntary.external_subscription_id
)

select * from final
