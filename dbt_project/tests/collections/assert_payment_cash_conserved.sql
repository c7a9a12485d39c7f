{{ config(meta={'dagster': {'ref': {'name': 'fct_payments'}}}) }}
-- collections.md 4.6, nothing dropped. Per payment: amount = applied + unapplied + refunded +
-- charged_back − reinstated, each part ≥ 0. Per currency, against the money events themselves:
-- applied + unapplied + refunded = received net of chargebacks (payments − chargebacks +
-- reversals, of the events that name a landed payment), the dispute loss (9) being the part of a
-- chargeback beyond what the payment still held. Returns the offending rows.
with payments as (
    select * from {{ ref('fct_payments') }}
),

money_events as (
    select * from {{ ref('int_collections__money_events') }}
),

per_payment as (
    select
        'payment' as scope,
        payment_id as subject,
        currency,
        amount_minor as expected_minor,
        applied_minor + unapplied_minor + refunded_minor + charged_back_minor - reinstated_minor as actual_minor
    from payments
    where applied_minor + unapplied_minor + refunded_minor + charged_back_minor - reinstated_minor <> amount_minor
        or applied_minor < 0 or unapplied_minor < 0 or refunded_minor < 0
        or charged_back_minor < 0 or reinstated_minor < 0
),

linked_events as (
    select money_events.*
    from money_events
    inner join payments on money_events.payment_money_event_id = payments.payment_id
),

received as (
    select
        currency,
        sum(case
            when kind = 'payment' then amount_minor
            when kind = 'chargeback' then -amount_minor
            when kind = 'chargeback_reversal' then amount_minor
            else 0
        end) as received_minor
    from linked_events
    group by currency
),

accounted as (
    select
        currency,
        sum(applied_minor + unapplied_minor + refunded_minor - dispute_loss_minor) as accounted_minor
    from payments
    group by currency
),

per_currency as (
    select
        'currency' as scope,
        coalesce(received.currency, accounted.currency) as subject,
        coalesce(received.currency, accounted.currency) as currency,
        coalesce(received.received_minor, 0) as expected_minor,
        coalesce(accounted.accounted_minor, 0) as actual_minor
    from received
    full outer join accounted on received.currency = accounted.currency
    where coalesce(received.received_minor, 0) <> coalesce(accounted.accounted_minor, 0)
)

select * from per_payment
union all
select * from per_currency
