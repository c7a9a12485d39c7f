-- One row per piece of a payment's cash that a refund, chargeback or dispute won moves
-- (collections.md 4.4-4.6, 9), set-based on intervals of the payment's cash: the payment's
-- stack is its unapplied part first, then its applications latest first (effective_at, then
-- due date and number, descending). Refunds and chargebacks, in event-time order, take the
-- next slice of that stack; what goes beyond the payment's amount (a chargeback of 100.00 after
-- a 30.00 refund) is a `dispute_loss` row outside the payment's identity (`refund_excess` for a
-- refund, which gateways do not allow but a file may still carry). A chargeback reversal
-- (dispute won) restores what chargebacks took, in the order they took it, to where it was
-- (an invoice, or the unapplied part); beyond that it lowers the dispute loss (negative row).
-- An Adyen `RefundedReversed` returns its amount to the unapplied part. invoice_id null = the
-- payment's unapplied part. amount_minor > 0 except a dispute loss given back.
with money_events as (
    select * from {{ ref('int_collections__money_events') }}
),

applications as (
    select * from {{ ref('int_collections__matched_applications') }}
),

payments as (
    select money_event_id as payment_id, currency, amount_minor as payment_amount_minor
    from money_events
    where kind = 'payment'
),

applied_totals as (
    select payment_id, sum(applied_minor) as applied_minor
    from applications
    group by payment_id
),

unapplied_segments as (
    select
        payments.payment_id,
        cast(null as varchar) as invoice_source,
        cast(null as varchar) as invoice_id,
        0 as segment_order,
        cast(0 as bigint) as segment_lo,
        payments.payment_amount_minor - coalesce(applied_totals.applied_minor, 0) as segment_hi
    from payments
    left join applied_totals on payments.payment_id = applied_totals.payment_id
),

application_segments as (
    select
        applications.payment_id,
        applications.invoice_source,
        applications.invoice_id,
        row_number() over (
            partition by applications.payment_id
            order by applications.effective_at desc, applications.payment_due_date desc,
                applications.invoice_number desc, applications.invoice_id desc
        ) as segment_order,
        unapplied_segments.segment_hi + coalesce(sum(applications.applied_minor) over (
            partition by applications.payment_id
            order by applications.effective_at desc, applications.payment_due_date desc,
                applications.invoice_number desc, applications.invoice_id desc
            rows between unbounded preceding and 1 preceding
        ), 0) as segment_lo,
        applications.applied_minor
    from applications
    inner join unapplied_segments on applications.payment_id = unapplied_segments.payment_id
),

stack as (
    select payment_id, invoice_source, invoice_id, segment_order, segment_lo, segment_hi
    from unapplied_segments
    where segment_hi > 0
    union all
    select payment_id, invoice_source, invoice_id, segment_order, segment_lo, segment_lo + applied_minor as segment_hi
    from application_segments
),

take_intervals as (
    select
        money_events.money_event_id,
        money_events.kind,
        money_events.payment_money_event_id as payment_id,
        money_events.amount_minor,
        money_events.occurred_at,
        payments.currency,
        {{ capped_running_interval('money_events.amount_minor', 'money_events.payment_money_event_id',
            ['money_events.occurred_at', 'money_events.money_event_id'], 'payments.payment_amount_minor',
            'take_lo', 'take_hi') }}
    from money_events
    inner join payments on money_events.payment_money_event_id = payments.payment_id
    where money_events.kind in ('refund', 'chargeback')
),

take_pieces as (
    select
        take_intervals.money_event_id,
        cast(null as varchar) as origin_money_event_id,
        take_intervals.kind as movement,
        take_intervals.payment_id,
        stack.invoice_source,
        stack.invoice_id,
        stack.segment_order,
        take_intervals.currency,
        {{ interval_overlap('take_intervals.take_lo', 'take_intervals.take_hi', 'stack.segment_lo', 'stack.segment_hi') }}
            as amount_minor,
        take_intervals.occurred_at as effective_at
    from take_intervals
    inner join stack on take_intervals.payment_id = stack.payment_id
    where {{ interval_overlap('take_intervals.take_lo', 'take_intervals.take_hi', 'stack.segment_lo', 'stack.segment_hi') }} > 0
),

take_losses as (
    select
        money_event_id,
        cast(null as varchar) as origin_money_event_id,
        case when kind = 'chargeback' then 'dispute_loss' else 'refund_excess' end as movement,
        payment_id,
        cast(null as varchar) as invoice_source,
        cast(null as varchar) as invoice_id,
        0 as segment_order,
        currency,
        amount_minor - (take_hi - take_lo) as amount_minor,
        occurred_at as effective_at
    from take_intervals
    where amount_minor > take_hi - take_lo
),

chargeback_axis as (
    select
        *,
        sum(amount_minor) over (
            partition by payment_id
            order by effective_at, money_event_id, segment_order
            rows between unbounded preceding and current row
        ) as axis_hi
    from take_pieces
    where movement = 'chargeback'
),

chargeback_totals as (
    select payment_id, sum(amount_minor) as charged_back_minor
    from chargeback_axis
    group by payment_id
),

reversal_intervals as (
    select
        money_events.money_event_id,
        money_events.payment_money_event_id as payment_id,
        money_events.amount_minor,
        money_events.occurred_at,
        payments.currency,
        {{ capped_running_interval('money_events.amount_minor', 'money_events.payment_money_event_id',
            ['money_events.occurred_at', 'money_events.money_event_id'],
            'coalesce(chargeback_totals.charged_back_minor, 0)', 'restore_lo', 'restore_hi') }}
    from money_events
    inner join payments on money_events.payment_money_event_id = payments.payment_id
    left join chargeback_totals on money_events.payment_money_event_id = chargeback_totals.payment_id
    where money_events.kind = 'chargeback_reversal'
),

restore_pieces as (
    select
        reversal_intervals.money_event_id,
        chargeback_axis.money_event_id as origin_money_event_id,
        'dispute_won_restore' as movement,
        reversal_intervals.payment_id,
        chargeback_axis.invoice_source,
        chargeback_axis.invoice_id,
        chargeback_axis.segment_order,
        reversal_intervals.currency,
        {{ interval_overlap('reversal_intervals.restore_lo', 'reversal_intervals.restore_hi',
            'chargeback_axis.axis_hi - chargeback_axis.amount_minor', 'chargeback_axis.axis_hi') }} as amount_minor,
        reversal_intervals.occurred_at as effective_at
    from reversal_intervals
    inner join chargeback_axis on reversal_intervals.payment_id = chargeback_axis.payment_id
    where {{ interval_overlap('reversal_intervals.restore_lo', 'reversal_intervals.restore_hi',
        'chargeback_axis.axis_hi - chargeback_axis.amount_minor', 'chargeback_axis.axis_hi') }} > 0
),

restore_losses as (
    select
        money_event_id,
        cast(null as varchar) as origin_money_event_id,
        'dispute_loss' as movement,
        payment_id,
        cast(null as varchar) as invoice_source,
        cast(null as varchar) as invoice_id,
        0 as segment_order,
        currency,
        -(amount_minor - (restore_hi - restore_lo)) as amount_minor,
        occurred_at as effective_at
    from reversal_intervals
    where amount_minor > restore_hi - restore_lo
),

refund_reversals as (
    select
        money_events.money_event_id,
        cast(null as varchar) as origin_money_event_id,
        'refund_reversed' as movement,
        money_events.payment_money_event_id as payment_id,
        cast(null as varchar) as invoice_source,
        cast(null as varchar) as invoice_id,
        0 as segment_order,
        payments.currency,
        money_events.amount_minor,
        money_events.occurred_at as effective_at
    from money_events
    inner join payments on money_events.payment_money_event_id = payments.payment_id
    where money_events.kind = 'refund_reversal'
),

pieces as (
    select * from take_pieces
    union all select * from take_losses
    union all select * from restore_pieces
    union all select * from restore_losses
    union all select * from refund_reversals
),

final as (
    select
        money_event_id || '|' || coalesce(origin_money_event_id, '') || '|'
            || coalesce(invoice_source || '|' || invoice_id, movement) as takeback_id,
        money_event_id,
        origin_money_event_id,
        movement,
        payment_id,
        invoice_source,
        invoice_id,
        currency,
        cast(amount_minor as bigint) as amount_minor,
        effective_at
    from pieces
)

select * from final
