-- One row per movement of money between a customer and the merchant at a gateway
-- (collections.md 4.1): payment, refund, refund_reversal (Adyen `RefundedReversed` undoes a
-- refund), chargeback, chargeback_reversal. amount_minor > 0 in the event's currency; the
-- direction is the kind. Refunds and chargebacks name the payment they take money back from
-- (payment_money_event_id; a payment names itself). Failed attempts carry no cash and are only
-- in int_collections__payment_attempts.
-- Choices where the gateway files are thin: a Stripe dispute is a chargeback when its balance
-- transaction withdraws funds (< 0) and a reversal when one reinstates them (> 0); a dispute
-- landed without balance transactions counts as withdrawn at its creation unless it is only an
-- inquiry (`warning_*`), and as reinstated when its status is `won`. A GoCardless payment whose
-- status is `charged_back` without a landed `charged_back` event is charged back at its last
-- status change.
with attempts as (
    select * from {{ ref('int_collections__payment_attempts') }}
),

stripe_charges as (
    select * from {{ ref('stg_stripe__charges') }}
),

stripe_refunds as (
    select * from {{ ref('stg_stripe__refunds') }}
),

stripe_disputes as (
    select * from {{ ref('stg_stripe__disputes') }}
),

stripe_balance_transactions as (
    select * from {{ ref('stg_stripe__balance_transactions') }}
),

adyen_rows as (
    select * from {{ ref('stg_adyen__settlement_rows') }}
),

gocardless_refunds as (
    select * from {{ ref('stg_gocardless__refunds') }}
),

gocardless_events as (
    select * from {{ ref('stg_gocardless__events') }}
),

payments as (
    select
        payment_attempt_id as money_event_id,
        gateway,
        gateway_payment_id as gateway_event_id,
        'payment' as kind,
        payment_attempt_id as payment_money_event_id,
        currency,
        amount_minor,
        reached_cash_at as occurred_at,
        invoice_reference
    from attempts
    where has_reached_cash and amount_minor > 0
),

-- a Stripe refund or dispute may point at the payment intent instead of the charge
stripe_charge_of as (
    select stripe_charge_id as parent_id, stripe_charge_id from stripe_charges
    union all
    select parent_stripe_payment_intent_id as parent_id, stripe_charge_id from stripe_charges
    where parent_stripe_payment_intent_id is not null
),

stripe_refund_events as (
    select
        'stripe:' || stripe_refunds.stripe_refund_id as money_event_id,
        'stripe' as gateway,
        stripe_refunds.stripe_refund_id as gateway_event_id,
        'refund' as kind,
        'stripe:' || stripe_charge_of.stripe_charge_id as payment_money_event_id,
        stripe_refunds.currency,
        -stripe_refunds.amount_minor as amount_minor,
        stripe_refunds.occurred_at,
        stripe_refunds.invoice_reference
    from stripe_refunds
    left join stripe_charge_of on stripe_refunds.parent_stripe_id = stripe_charge_of.parent_id
    where stripe_refunds.status = 'succeeded'
),

stripe_dispute_charges as (
    select
        stripe_disputes.stripe_dispute_id,
        stripe_disputes.status,
        stripe_disputes.currency,
        stripe_disputes.amount_minor,
        stripe_disputes.occurred_at,
        stripe_disputes.object_version_at,
        stripe_disputes.invoice_reference,
        stripe_charge_of.stripe_charge_id
    from stripe_disputes
    left join stripe_charge_of on stripe_disputes.parent_stripe_id = stripe_charge_of.parent_id
),

stripe_dispute_transactions as (
    select
        'stripe:' || stripe_balance_transactions.stripe_balance_transaction_id as money_event_id,
        'stripe' as gateway,
        stripe_balance_transactions.stripe_balance_transaction_id as gateway_event_id,
        case when stripe_balance_transactions.amount_minor < 0 then 'chargeback' else 'chargeback_reversal' end as kind,
        'stripe:' || stripe_dispute_charges.stripe_charge_id as payment_money_event_id,
        stripe_balance_transactions.currency,
        abs(stripe_balance_transactions.amount_minor) as amount_minor,
        stripe_balance_transactions.occurred_at,
        stripe_dispute_charges.invoice_reference
    from stripe_balance_transactions
    inner join stripe_dispute_charges
        on stripe_balance_transactions.source_stripe_id = stripe_dispute_charges.stripe_dispute_id
    where stripe_balance_transactions.amount_minor <> 0
),

stripe_disputes_without_transactions as (
    select * from stripe_dispute_charges
    where stripe_dispute_id not in (
        select source_stripe_id from stripe_balance_transactions where source_stripe_id is not null
    )
    and status not like 'warning%'
),

stripe_dispute_fallback as (
    select
        'stripe:' || stripe_dispute_id || ':withdrawn' as money_event_id,
        'stripe' as gateway,
        stripe_dispute_id as gateway_event_id,
        'chargeback' as kind,
        'stripe:' || stripe_charge_id as payment_money_event_id,
        currency,
        abs(amount_minor) as amount_minor,
        occurred_at,
        invoice_reference
    from stripe_disputes_without_transactions
    union all
    select
        'stripe:' || stripe_dispute_id || ':reinstated' as money_event_id,
        'stripe' as gateway,
        stripe_dispute_id as gateway_event_id,
        'chargeback_reversal' as kind,
        'stripe:' || stripe_charge_id as payment_money_event_id,
        currency,
        abs(amount_minor) as amount_minor,
        object_version_at as occurred_at,
        invoice_reference
    from stripe_disputes_without_transactions
    where status = 'won'
),

adyen_payments as (
    select
        {{ dbt.split_part('adyen_settlement_row_id', "'|'", 1) }} as psp_reference,
        adyen_settlement_row_id
    from adyen_rows
    where record_type in ('Settled', 'SettledBulk')
),

adyen_movements as (
    select
        'adyen:' || adyen_rows.adyen_settlement_row_id as money_event_id,
        'adyen' as gateway,
        adyen_rows.adyen_settlement_row_id as gateway_event_id,
        case
            when adyen_rows.record_type in ('Refunded', 'RefundedBulk') then 'refund'
            when adyen_rows.record_type = 'RefundedReversed' then 'refund_reversal'
            when adyen_rows.record_type in ('Chargeback', 'SecondChargeback') then 'chargeback'
            else 'chargeback_reversal'
        end as kind,
        'adyen:' || adyen_payments.adyen_settlement_row_id as payment_money_event_id,
        adyen_rows.currency,
        abs(adyen_rows.amount_minor) as amount_minor,
        adyen_rows.occurred_at,
        adyen_rows.invoice_reference
    from adyen_rows
    left join adyen_payments on adyen_rows.parent_psp_reference = adyen_payments.psp_reference
    where adyen_rows.record_type in (
        'Refunded', 'RefundedBulk', 'RefundedReversed', 'Chargeback', 'SecondChargeback', 'ChargebackReversed'
    )
),

gocardless_refund_events as (
    select
        'gocardless:' || gocardless_refund_id as money_event_id,
        'gocardless' as gateway,
        gocardless_refund_id as gateway_event_id,
        'refund' as kind,
        'gocardless:' || gocardless_payment_id as payment_money_event_id,
        currency,
        abs(amount_minor) as amount_minor,
        occurred_at,
        invoice_reference
    from gocardless_refunds
    where coalesce(status, '') not in ('cancelled', 'bounced', 'funds_returned')
),

gocardless_payment_events as (
    select
        'gocardless:' || gocardless_events.gocardless_event_id as money_event_id,
        'gocardless' as gateway,
        gocardless_events.gocardless_event_id as gateway_event_id,
        case when gocardless_events.record_type = 'charged_back' then 'chargeback' else 'chargeback_reversal' end as kind,
        payments.money_event_id as payment_money_event_id,
        payments.currency,
        payments.amount_minor,
        gocardless_events.occurred_at,
        payments.invoice_reference
    from gocardless_events
    inner join payments
        on payments.money_event_id = 'gocardless:' || gocardless_events.gocardless_resource_id
    where gocardless_events.record_type in ('charged_back', 'chargeback_cancelled')
),

gocardless_status_chargebacks as (
    select
        payments.money_event_id || ':charged_back' as money_event_id,
        'gocardless' as gateway,
        attempts.gateway_payment_id as gateway_event_id,
        'chargeback' as kind,
        payments.money_event_id as payment_money_event_id,
        payments.currency,
        payments.amount_minor,
        attempts.status_changed_at as occurred_at,
        payments.invoice_reference
    from payments
    inner join attempts on payments.money_event_id = attempts.payment_attempt_id
    where attempts.gateway = 'gocardless'
        and attempts.current_status = 'charged_back'
        and payments.money_event_id not in (
            select payment_money_event_id from gocardless_payment_events where kind = 'chargeback'
        )
),

events as (
    select * from payments
    union all select * from stripe_refund_events
    union all select * from stripe_dispute_transactions
    union all select * from stripe_dispute_fallback
    union all select * from adyen_movements
    union all select * from gocardless_refund_events
    union all select * from gocardless_payment_events
    union all select * from gocardless_status_chargebacks
),

final as (
    select
        events.money_event_id,
        events.gateway,
        events.gateway_event_id,
        events.kind,
        events.payment_money_event_id,
        attempts.customer_reference,
        events.currency,
        cast(events.amount_minor as bigint) as amount_minor,
        events.occurred_at,
        events.invoice_reference,
        attempts.lago_invoice_id,
        attempts.lago_payable_type,
        attempts.lago_payable_id
    from events
    left join attempts on events.payment_money_event_id = attempts.payment_attempt_id
)

select * from final
