-- One row per movement of cash onto or off one invoice (collections.md 4.2-4.5, 9), the
-- interface the receivables, invoice payment state and dunning recovery read:
--   applied (+)              passes 1-3 (int_collections__matched_applications)
--   refund_reversal (−)      a refund's slice of an application (int_collections__payment_takebacks)
--   chargeback_reversal (−)  a chargeback's slice; the invoice reopens
--   dispute_won_restore (+)  a won dispute puts it back as it was
--   credit_note_settlement (+) a refund covered by a `refund` credit note on the invoice for
--                            the refund's amount or the slice's (± 1 minor unit): the note
--                            settles what the cash no longer covers; not cash
--   void_release (−)         cash still on an invoice voided after it was paid moves back to
--                            the payment's unapplied part at the void (flag void_with_payment)
-- A refund slice without such a note is flagged refund_without_credit_note (the invoice is due
-- again). match_pass / match_confidence are those of the application the movement belongs to.
with applications as (
    select * from {{ ref('int_collections__matched_applications') }}
),

takebacks as (
    select * from {{ ref('int_collections__payment_takebacks') }}
),

money_events as (
    select * from {{ ref('int_collections__money_events') }}
),

invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

credit_notes as (
    select * from {{ ref('int_billing__credit_notes') }}
),

refund_notes as (
    select credited_invoice_id as invoice_id, refund_amount_minor
    from credit_notes
    where refund_amount_minor > 0
),

applied as (
    select
        payment_id || '|' || invoice_source || '|' || invoice_id || '|applied' as application_id,
        payment_id,
        payment_id as money_event_id,
        invoice_source,
        invoice_id,
        currency,
        'applied' as movement_kind,
        applied_minor as amount_minor,
        effective_at,
        cast(null as varchar) as flag
    from applications
),

invoice_takebacks as (
    select
        takebacks.takeback_id as application_id,
        takebacks.payment_id,
        takebacks.money_event_id,
        takebacks.invoice_source,
        takebacks.invoice_id,
        takebacks.currency,
        case takebacks.movement
            when 'refund' then 'refund_reversal'
            when 'chargeback' then 'chargeback_reversal'
            else takebacks.movement
        end as movement_kind,
        case when takebacks.movement = 'dispute_won_restore' then 1 else -1 end * takebacks.amount_minor as amount_minor,
        takebacks.effective_at,
        takebacks.amount_minor as slice_minor,
        money_events.amount_minor as event_amount_minor
    from takebacks
    inner join money_events on takebacks.money_event_id = money_events.money_event_id
    where takebacks.invoice_id is not null
        and takebacks.movement in ('refund', 'chargeback', 'dispute_won_restore')
),

refund_coverage as (
    select
        invoice_takebacks.*,
        exists (
            select 1 from refund_notes
            where refund_notes.invoice_id = invoice_takebacks.invoice_id
                and (
                    abs(refund_notes.refund_amount_minor - invoice_takebacks.event_amount_minor) <= 1
                    or abs(refund_notes.refund_amount_minor - invoice_takebacks.slice_minor) <= 1
                )
        ) as has_refund_credit_note
    from invoice_takebacks
),

takeback_movements as (
    select
        application_id, payment_id, money_event_id, invoice_source, invoice_id, currency,
        movement_kind, amount_minor, effective_at,
        case
            when movement_kind = 'refund_reversal' and not has_refund_credit_note then 'refund_without_credit_note'
        end as flag
    from refund_coverage
),

credit_note_settlements as (
    select
        application_id || '|credit_note_settlement' as application_id,
        payment_id, money_event_id, invoice_source, invoice_id, currency,
        'credit_note_settlement' as movement_kind,
        slice_minor as amount_minor,
        effective_at,
        cast(null as varchar) as flag
    from refund_coverage
    where movement_kind = 'refund_reversal' and has_refund_credit_note
),

cash_movements as (
    select * from applied
    union all
    select * from takeback_movements
),

void_releases as (
    select
        cash_movements.payment_id || '|' || cash_movements.invoice_source || '|'
            || cash_movements.invoice_id || '|void_release' as application_id,
        cash_movements.payment_id,
        cash_movements.payment_id as money_event_id,
        cash_movements.invoice_source,
        cash_movements.invoice_id,
        cash_movements.currency,
        'void_release' as movement_kind,
        -sum(cash_movements.amount_minor) as amount_minor,
        invoices.voided_at as effective_at,
        'void_with_payment' as flag
    from cash_movements
    inner join invoices
        on cash_movements.invoice_source = invoices.invoice_source
        and cash_movements.invoice_id = invoices.invoice_id
    where invoices.voided_at is not null
    group by
        cash_movements.payment_id, cash_movements.invoice_source, cash_movements.invoice_id,
        cash_movements.currency, invoices.voided_at
    having sum(cash_movements.amount_minor) > 0
),

movements as (
    select * from cash_movements
    union all select * from credit_note_settlements
    union all select * from void_releases
),

final as (
    select
        movements.application_id,
        movements.payment_id,
        applications.gateway,
        movements.invoice_source,
        movements.invoice_id,
        movements.currency,
        movements.movement_kind,
        cast(movements.amount_minor as bigint) as amount_minor,
        movements.effective_at,
        applications.match_pass,
        applications.match_confidence,
        movements.money_event_id,
        movements.flag
    from movements
    inner join applications
        on movements.payment_id = applications.payment_id
        and movements.invoice_source = applications.invoice_source
        and movements.invoice_id = applications.invoice_id
)

select * from final
