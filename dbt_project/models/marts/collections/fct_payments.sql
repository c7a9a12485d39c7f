-- One row per payment (money in at a gateway, collections.md 4.1) and where its cash is now
-- (4.6): amount = applied + unapplied + refunded + charged_back − reinstated, each ≥ 0
-- (tests/collections/assert_payment_cash_conserved.sql). The dispute loss (a chargeback
-- beyond what a refund left, 9) is outside that identity.
with money_events as (
    select * from {{ ref('int_collections__money_events') }}
),

applications as (
    select * from {{ ref('int_collections__matched_applications') }}
),

cash_applications as (
    select * from {{ ref('int_collections__cash_applications') }}
),

takebacks as (
    select * from {{ ref('int_collections__payment_takebacks') }}
),

reference_matches as (
    select * from {{ ref('int_collections__reference_matches') }}
),

scored_matches as (
    select * from {{ ref('int_collections__scored_matches') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

payments as (
    select * from money_events
    where kind = 'payment'
),

customer_of_provider_id as (
    {{ lago_customer_of_provider_id('customers') }}
),

matched as (
    select
        payment_id,
        sum(applied_minor) as matched_minor,
        max(match_pass) as match_pass,
        max(match_confidence) as match_confidence
    from applications
    group by payment_id
),

invoice_movements as (
    select
        payment_id,
        sum(case when movement_kind <> 'credit_note_settlement' then amount_minor else 0 end) as applied_minor,
        -sum(case when movement_kind = 'void_release' then amount_minor else 0 end) as void_released_minor,
        max(case when flag = 'refund_without_credit_note' then 1 else 0 end) = 1 as has_refund_without_credit_note
    from cash_applications
    group by payment_id
),

taken as (
    select
        payment_id,
        sum(case when movement = 'refund' then amount_minor when movement = 'refund_reversed' then -amount_minor else 0 end)
            as refunded_minor,
        sum(case when movement = 'chargeback' then amount_minor else 0 end) as charged_back_minor,
        sum(case when movement = 'dispute_won_restore' then amount_minor else 0 end) as reinstated_minor,
        sum(case when movement = 'dispute_loss' then amount_minor else 0 end) as dispute_loss_minor,
        sum(case when movement = 'refund_excess' then amount_minor else 0 end) as refund_excess_minor,
        -- what the takebacks moved out of / back into the unapplied part
        sum(case
            when invoice_id is null and movement in ('refund', 'chargeback') then -amount_minor
            when invoice_id is null and movement in ('dispute_won_restore', 'refund_reversed') then amount_minor
            else 0
        end) as unapplied_change_minor
    from takebacks
    group by payment_id
),

reference_outcomes as (
    select
        payment_id,
        max(case when is_currency_mismatch then 1 else 0 end) = 1 as is_currency_mismatch,
        max(case when is_voided_before_payment then 1 else 0 end) = 1 as is_voided_before_payment
    from reference_matches
    group by payment_id
),

suggested as (
    select distinct payment_id
    from scored_matches
    where decision = 'suggested'
),

balances as (
    select
        payments.money_event_id as payment_id,
        payments.gateway,
        payments.gateway_event_id as gateway_payment_id,
        payments.customer_reference,
        customer_of_provider_id.external_customer_id,
        payments.currency,
        payments.occurred_at as paid_at,
        payments.invoice_reference,
        payments.amount_minor,
        coalesce(invoice_movements.applied_minor, 0) as applied_minor,
        payments.amount_minor - coalesce(matched.matched_minor, 0)
            + coalesce(taken.unapplied_change_minor, 0)
            + coalesce(invoice_movements.void_released_minor, 0) as unapplied_minor,
        coalesce(taken.refunded_minor, 0) as refunded_minor,
        coalesce(taken.charged_back_minor, 0) as charged_back_minor,
        coalesce(taken.reinstated_minor, 0) as reinstated_minor,
        coalesce(taken.dispute_loss_minor, 0) as dispute_loss_minor,
        coalesce(taken.refund_excess_minor, 0) as refund_excess_minor,
        matched.match_pass,
        matched.match_confidence,
        coalesce(invoice_movements.has_refund_without_credit_note, false) as has_refund_without_credit_note,
        coalesce(invoice_movements.void_released_minor, 0) > 0 as has_void_with_payment,
        reference_outcomes.payment_id is not null as has_reference_match,
        coalesce(reference_outcomes.is_currency_mismatch, false) as is_currency_mismatch,
        coalesce(reference_outcomes.is_voided_before_payment, false) as is_voided_before_payment,
        suggested.payment_id is not null and matched.payment_id is null as is_suggested
    from payments
    left join customer_of_provider_id on payments.customer_reference = customer_of_provider_id.provider_customer_id
    left join matched on payments.money_event_id = matched.payment_id
    left join invoice_movements on payments.money_event_id = invoice_movements.payment_id
    left join taken on payments.money_event_id = taken.payment_id
    left join reference_outcomes on payments.money_event_id = reference_outcomes.payment_id
    left join suggested on payments.money_event_id = suggested.payment_id
),

final as (
    select
        balances.payment_id,
        balances.gateway,
        balances.gateway_payment_id,
        balances.customer_reference,
        balances.external_customer_id,
        balances.currency,
        balances.paid_at,
        balances.invoice_reference,
        cast(balances.amount_minor as bigint) as amount_minor,
        cast(balances.applied_minor as bigint) as applied_minor,
        cast(balances.unapplied_minor as bigint) as unapplied_minor,
        cast(balances.refunded_minor as bigint) as refunded_minor,
        cast(balances.charged_back_minor as bigint) as charged_back_minor,
        cast(balances.reinstated_minor as bigint) as reinstated_minor,
        cast(balances.dispute_loss_minor as bigint) as dispute_loss_minor,
        cast(balances.refund_excess_minor as bigint) as refund_excess_minor,
        case
            when balances.applied_minor > 0 and balances.unapplied_minor = 0 then 'applied'
            when balances.applied_minor > 0 then 'partially_applied'
            when balances.unapplied_minor > 0 then 'unapplied'
            when balances.refunded_minor >= balances.charged_back_minor - balances.reinstated_minor then 'refunded'
            else 'charged_back'
        end as outcome,
        case
            when balances.unapplied_minor = 0 then null
            when balances.is_currency_mismatch then 'currency_mismatch'
            when balances.is_voided_before_payment then 'invoice_voided'
            when balances.has_void_with_payment then 'void_with_payment'
            when balances.has_reference_match or balances.match_pass is not null then 'overpayment'
            when balances.is_suggested then 'suggested'
            when balances.invoice_reference is not null then 'awaiting_invoice'
            else 'no_match'
        end as unapplied_reason,
        balances.match_pass,
        balances.match_confidence,
        balances.has_refund_without_credit_note,
        balances.has_void_with_payment
    from balances
)

select * from final
