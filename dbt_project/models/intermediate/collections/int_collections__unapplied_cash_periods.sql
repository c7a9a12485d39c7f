-- One row per payment × period over which its unapplied cash stays the same and is not 0
-- (collections.md 4.3-4.6, 6.2): unapplied at date d = the payment's amount once received −
-- its applications effective by the end of d (max(payment, finalization), so a payment awaiting
-- its invoice is unapplied until then) − refunds and chargebacks that took from the unapplied
-- part + reinstatements and reversed refunds that put cash back there + cash a void released
-- from an invoice, each by the end of d. A period starts on the payment date or a later day
-- with such a movement and ends (exclusive) at the next one; null = on every later date. At the
-- build's as_of the periods hold fct_payments.unapplied_minor (the same movements, undated).
-- The customer is placed as fct_unapplied_cash places it; the billing entity (a payment has
-- none) is that Lago customer's own, null for cash no Lago customer claims.
with money_events as (
    select * from {{ ref('int_collections__money_events') }}
),

applications as (
    select * from {{ ref('int_collections__matched_applications') }}
),

takebacks as (
    select * from {{ ref('int_collections__payment_takebacks') }}
),

cash_applications as (
    select * from {{ ref('int_collections__cash_applications') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

payments as (
    select * from money_events
    where kind = 'payment'
),

customer_of_provider_id as (
    {{ lago_customer_of_provider_id('customers') }}
),

movements as (
    select money_event_id as payment_id, occurred_at as effective_at, amount_minor
    from payments
    union all
    select payment_id, effective_at, -applied_minor as amount_minor
    from applications
    union all
    select
        payment_id,
        effective_at,
        case when movement in ('refund', 'chargeback') then -amount_minor else amount_minor end as amount_minor
    from takebacks
    where invoice_id is null
        and movement in ('refund', 'chargeback', 'dispute_won_restore', 'refund_reversed')
    union all
    select payment_id, effective_at, -amount_minor as amount_minor
    from cash_applications
    where movement_kind = 'void_release'
),

movement_days as (
    select payment_id, cast(effective_at as date) as change_date, sum(amount_minor) as amount_minor
    from movements
    group by payment_id, cast(effective_at as date)
),

running as (
    select
        payment_id,
        change_date,
        lead(change_date) over (partition by payment_id order by change_date) as next_change_date,
        sum(amount_minor) over (
            partition by payment_id order by change_date
            rows between unbounded preceding and current row
        ) as unapplied_minor
    from movement_days
),

final as (
    select
        running.payment_id,
        payments.gateway,
        coalesce(
            customer_of_provider_id.external_customer_id,
            payments.gateway || ':' || payments.customer_reference,
            'unidentified'
        ) as customer_key,
        customer_of_provider_id.external_customer_id,
        customers.billing_entity_code,
        payments.currency,
        cast(currencies.minor_unit_exponent as integer) as currency_exponent,
        payments.occurred_at as paid_at,
        running.change_date as unapplied_from_date,
        running.next_change_date as unapplied_until_date,
        cast(running.unapplied_minor as bigint) as unapplied_minor
    from running
    inner join payments on running.payment_id = payments.money_event_id
    left join customer_of_provider_id on payments.customer_reference = customer_of_provider_id.provider_customer_id
    left join customers on customer_of_provider_id.external_customer_id = customers.external_customer_id
    left join currencies on payments.currency = currencies.currency
    where running.unapplied_minor <> 0
)

select * from final
