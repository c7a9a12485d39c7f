-- One row per payment attempt at a gateway (collections.md 4.1, 7 last bullet), failed ones
-- included: a Stripe charge (or a payment intent that never produced one), an Adyen `Settled`
-- row (the settlement report lists no refused attempt), a GoCardless payment, a Lago manual
-- payment (gateway `lago`). A GoCardless
-- payment's status moves, also backwards (paid_out → charged_back): every event is kept in
-- status_history in event-time order (ties: event id) and the latest wins; without events the
-- payment object's own status stands. `reached_cash_at` is when the attempt became money in:
-- Stripe charge `succeeded` (its time), Adyen `Settled`, GoCardless the first `paid_out` event
-- (else the payment's time when its status is past paid_out); GoCardless `confirmed` is still
-- processing, as in Lago. The invoice reference of a Stripe charge: its own `invoice`, else the
-- invoice_payment naming it or its payment intent, else the intent's; the Lago metadata
-- (lago_invoice_id, lago_payable_type/_id) from the charge, else its intent.
with stripe_charges as (
    select * from {{ ref('stg_stripe__charges') }}
),

stripe_payment_intents as (
    select * from {{ ref('stg_stripe__payment_intents') }}
),

stripe_invoice_payments as (
    select * from {{ ref('stg_stripe__invoice_payments') }}
),

adyen_rows as (
    select * from {{ ref('stg_adyen__settlement_rows') }}
),

gocardless_payments as (
    select * from {{ ref('stg_gocardless__payments') }}
),

gocardless_events as (
    select * from {{ ref('stg_gocardless__events') }}
),

lago_payments as (
    select * from {{ ref('stg_lago__payments') }}
),

-- Stripe's invoice_payment links an invoice to the charge or payment intent paying it
stripe_invoice_of_payment as (
    select parent_stripe_payment_id, min(invoice_reference) as invoice_reference
    from stripe_invoice_payments
    where invoice_reference is not null and coalesce(status, '') <> 'canceled'
    group by parent_stripe_payment_id
),

stripe_attempts as (
    select
        'stripe' as gateway,
        stripe_charges.stripe_charge_id as gateway_payment_id,
        coalesce(stripe_charges.customer_reference, stripe_payment_intents.customer_reference) as customer_reference,
        stripe_charges.currency,
        stripe_charges.amount_minor,
        stripe_charges.occurred_at as attempted_at,
        coalesce(
            stripe_charges.invoice_reference,
            invoice_of_charge.invoice_reference,
            invoice_of_intent.invoice_reference,
            stripe_payment_intents.invoice_reference
        ) as invoice_reference,
        stripe_charges.status as current_status,
        stripe_charges.object_version_at as status_changed_at,
        stripe_charges.status as status_history,
        stripe_charges.failure_code,
        case when stripe_charges.status = 'succeeded' then stripe_charges.occurred_at end as reached_cash_at,
        coalesce(stripe_charges.lago_invoice_id, stripe_payment_intents.lago_invoice_id) as lago_invoice_id,
        coalesce(stripe_charges.lago_payable_type, stripe_payment_intents.lago_payable_type) as lago_payable_type,
        coalesce(stripe_charges.lago_payable_id, stripe_payment_intents.lago_payable_id) as lago_payable_id
    from stripe_charges
    left join stripe_payment_intents
        on stripe_charges.parent_stripe_payment_intent_id = stripe_payment_intents.stripe_payment_intent_id
    left join stripe_invoice_of_payment as invoice_of_charge
        on stripe_charges.stripe_charge_id = invoice_of_charge.parent_stripe_payment_id
    left join stripe_invoice_of_payment as invoice_of_intent
        on stripe_charges.parent_stripe_payment_intent_id = invoice_of_intent.parent_stripe_payment_id
),

stripe_intents_without_charge as (
    select
        'stripe' as gateway,
        stripe_payment_intents.stripe_payment_intent_id as gateway_payment_id,
        stripe_payment_intents.customer_reference,
        stripe_payment_intents.currency,
        stripe_payment_intents.amount_minor,
        stripe_payment_intents.occurred_at as attempted_at,
        stripe_payment_intents.invoice_reference,
        stripe_payment_intents.status as current_status,
        stripe_payment_intents.object_version_at as status_changed_at,
        stripe_payment_intents.status as status_history,
        stripe_payment_intents.failure_code,
        -- a succeeded intent's cash is its charge; without a landed charge it carries none
        cast(null as timestamp) as reached_cash_at,
        stripe_payment_intents.lago_invoice_id,
        stripe_payment_intents.lago_payable_type,
        stripe_payment_intents.lago_payable_id
    from stripe_payment_intents
    where not exists (
        select 1 from stripe_charges
        where stripe_charges.parent_stripe_payment_intent_id = stripe_payment_intents.stripe_payment_intent_id
    )
),

adyen_attempts as (
    select
        'adyen' as gateway,
        adyen_settlement_row_id as gateway_payment_id,
        customer_reference,
        currency,
        amount_minor,
        occurred_at as attempted_at,
        invoice_reference,
        'settled' as current_status,
        occurred_at as status_changed_at,
        record_type as status_history,
        failure_code,
        occurred_at as reached_cash_at,
        lago_invoice_id,
        lago_payable_type,
        lago_payable_id
    from adyen_rows
    where record_type in ('Settled', 'SettledBulk')
),

gocardless_history as (
    select
        gocardless_resource_id as gocardless_payment_id,
        gocardless_event_id,
        record_type as action,
        occurred_at,
        row_number() over (
            partition by gocardless_resource_id order by occurred_at desc, gocardless_event_id desc
        ) as recency
    from gocardless_events
    where gocardless_resource_id in (select gocardless_payment_id from gocardless_payments)
),

gocardless_history_summary as (
    select
        gocardless_payment_id,
        {{ dbt.listagg(
            "action || '@' || " ~ dbt.cast("occurred_at", api.Column.translate_type("string")),
            "' > '",
            "order by occurred_at, gocardless_event_id"
        ) }} as status_history,
        min(case when action = 'paid_out' then occurred_at end) as first_paid_out_at
    from gocardless_history
    group by gocardless_payment_id
),

gocardless_latest as (
    select
        gocardless_payment_id,
        -- event actions that are not a payment status name the status they lead to
        case action
            when 'created' then 'pending_submission'
            when 'resubmission_requested' then 'pending_submission'
            when 'chargeback_cancelled' then 'paid_out'
            when 'late_failure_settled' then 'failed'
            when 'chargeback_settled' then 'charged_back'
            else action
        end as current_status,
        occurred_at as status_changed_at
    from gocardless_history
    where recency = 1
),

gocardless_attempts as (
    select
        'gocardless' as gateway,
        gocardless_payments.gocardless_payment_id as gateway_payment_id,
        gocardless_payments.customer_reference,
        gocardless_payments.currency,
        gocardless_payments.amount_minor,
        gocardless_payments.occurred_at as attempted_at,
        gocardless_payments.invoice_reference,
        coalesce(gocardless_latest.current_status, gocardless_payments.status) as current_status,
        coalesce(gocardless_latest.status_changed_at, gocardless_payments.object_version_at) as status_changed_at,
        coalesce(gocardless_history_summary.status_history, gocardless_payments.status) as status_history,
        gocardless_payments.failure_code,
        coalesce(
            gocardless_history_summary.first_paid_out_at,
            case
                when gocardless_payments.status in ('paid_out', 'charged_back')
                    then gocardless_payments.occurred_at
            end
        ) as reached_cash_at,
        gocardless_payments.lago_invoice_id,
        gocardless_payments.lago_payable_type,
        gocardless_payments.lago_payable_id
    from gocardless_payments
    left join gocardless_latest
        on gocardless_payments.gocardless_payment_id = gocardless_latest.gocardless_payment_id
    left join gocardless_history_summary
        on gocardless_payments.gocardless_payment_id = gocardless_history_summary.gocardless_payment_id
),

-- Lago's own payment records: only `manual` ones are cash of their own (a `provider` payment
-- is the gateway's, landed from the gateway's files); their invoices are in
-- stg_lago__payment_invoices (pass 1 reads them)
lago_attempts as (
    select
        'lago' as gateway,
        lago_payment_id as gateway_payment_id,
        cast(null as varchar) as customer_reference,
        currency,
        amount_minor,
        cast(created_at as timestamp) as attempted_at,
        cast(null as varchar) as invoice_reference,
        payment_status as current_status,
        cast(created_at as timestamp) as status_changed_at,
        payment_status as status_history,
        cast(null as varchar) as failure_code,
        case when payment_status = 'succeeded' then cast(created_at as timestamp) end as reached_cash_at,
        cast(null as varchar) as lago_invoice_id,
        cast(null as varchar) as lago_payable_type,
        cast(null as varchar) as lago_payable_id
    from lago_payments
    where payment_type = 'manual'
),

attempts as (
    select * from stripe_attempts
    union all
    select * from stripe_intents_without_charge
    union all
    select * from adyen_attempts
    union all
    select * from gocardless_attempts
    union all
    select * from lago_attempts
),

final as (
    select
        gateway || ':' || gateway_payment_id as payment_attempt_id,
        gateway,
        gateway_payment_id,
        customer_reference,
        currency,
        amount_minor,
        attempted_at,
        invoice_reference,
        current_status,
        status_changed_at,
        status_history,
        failure_code,
        reached_cash_at,
        reached_cash_at is not null as has_reached_cash,
        current_status in ('failed', 'canceled', 'cancelled', 'requires_payment_method', 'customer_approval_denied')
            as is_failed,
        lago_invoice_id,
        lago_payable_type,
        lago_payable_id
    from attempts
)

select * from final
