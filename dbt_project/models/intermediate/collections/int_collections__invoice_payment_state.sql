-- One row per receivable invoice with its payment state at the build's `as_of` (collections.md
-- 1.3, 1.4): paid = Σ cash movements by then; due = 0 if voided, else total − paid − offsets −
-- credit-note settlements, never below 0 (an overpayment is unapplied cash, not a negative due);
-- `succeeded` once nothing is left due (an invoice of total 0 too, as Lago marks it at
-- finalization); `failed` needs the last gateway attempt, which the cash-application interface
-- does not carry yet (left to the cash-application merge); overdue ON the due date. A lost
-- dispute (Lago's payment_dispute_lost_at on imported invoices; revhouse's own get theirs with
-- cash application's chargebacks) takes the invoice out of overdue.
-- paid_at: the movement that last brought the settled amount up to what was owed, when that was
-- cash and the invoice is settled now (collections.md 6.4).
with invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

settlements as (
    select * from {{ ref('int_collections__invoice_settlements') }}
),

billing_now as (
    select
        {{ rating_as_of_at(ref('stg_reference__settings')) }} as as_of_at
),

settled_by_now as (
    select settlements.*
    from settlements
    cross join billing_now
    where settlements.effective_at <= billing_now.as_of_at
),

per_invoice as (
    select
        invoice_source,
        invoice_id,
        sum(case when is_cash then amount_minor else 0 end) as paid_amount_minor,
        sum(case when settlement_kind = 'credit_note_settlement' then amount_minor else 0 end) as credit_note_settled_amount_minor,
        sum(case when settlement_kind = 'credit_note_offset' then amount_minor else 0 end) as offset_amount_minor
    from settled_by_now
    group by invoice_source, invoice_id
),

running as (
    select
        settled_by_now.invoice_source,
        settled_by_now.invoice_id,
        settled_by_now.settlement_id,
        -- Lago's undated report of a payment cannot date when the invoice was paid.
        settled_by_now.is_cash and settled_by_now.settlement_kind <> 'lago_reported_paid' as is_dated_cash,
        settled_by_now.effective_at,
        invoices.total_amount_minor,
        sum(settled_by_now.amount_minor) over (
            partition by settled_by_now.invoice_source, settled_by_now.invoice_id
            order by settled_by_now.effective_at, settled_by_now.settlement_id
            rows between unbounded preceding and current row
        ) as settled_after_minor,
        coalesce(sum(settled_by_now.amount_minor) over (
            partition by settled_by_now.invoice_source, settled_by_now.invoice_id
            order by settled_by_now.effective_at, settled_by_now.settlement_id
            rows between unbounded preceding and 1 preceding
        ), 0) as settled_before_minor
    from settled_by_now
    inner join invoices
        on settled_by_now.invoice_source = invoices.invoice_source
        and settled_by_now.invoice_id = invoices.invoice_id
),

crossings as (
    select
        running.*,
        row_number() over (
            partition by invoice_source, invoice_id order by effective_at desc, settlement_id desc
        ) as latest_first
    from running
    where settled_before_minor < total_amount_minor
      and settled_after_minor >= total_amount_minor
),

paid_crossing as (
    select invoice_source, invoice_id, effective_at as crossed_at, is_dated_cash
    from crossings
    where latest_first = 1
),

state as (
    select
        invoices.*,
        billing_now.as_of_at,
        cast(billing_now.as_of_at as date) as as_of_date,
        invoices.voided_at is not null and invoices.voided_at <= billing_now.as_of_at as is_voided,
        cast(coalesce(per_invoice.paid_amount_minor, 0) as bigint) as paid_amount_minor,
        cast(coalesce(per_invoice.credit_note_settled_amount_minor, 0) as bigint) as credit_note_settled_amount_minor,
        cast(coalesce(per_invoice.offset_amount_minor, 0) as bigint) as settled_offset_amount_minor,
        invoices.total_amount_minor
            - coalesce(per_invoice.paid_amount_minor, 0)
            - coalesce(per_invoice.credit_note_settled_amount_minor, 0)
            - coalesce(per_invoice.offset_amount_minor, 0) as unsettled_amount_minor
    from invoices
    cross join billing_now
    left join per_invoice
        on invoices.invoice_source = per_invoice.invoice_source
        and invoices.invoice_id = per_invoice.invoice_id
),

statused as (
    select
        state.*,
        case
            when not state.is_voided and state.unsettled_amount_minor <= 0 then 'succeeded'
            else 'pending'
        end as payment_status,
        case when state.dispute_lost_at <= state.as_of_at then state.dispute_lost_at end as lost_dispute_at
    from state
),

final as (
    select
        statused.invoice_source,
        statused.invoice_id,
        statused.invoice_number,
        statused.invoice_type,
        statused.external_customer_id,
        statused.billing_entity_code,
        statused.currency,
        statused.currency_exponent,
        statused.total_amount_minor,
        statused.issuing_date,
        statused.finalized_at,
        statused.net_payment_term_days,
        statused.payment_due_date,
        statused.voided_at,
        statused.is_voided,
        statused.paid_amount_minor,
        statused.credit_note_settled_amount_minor,
        statused.settled_offset_amount_minor as offset_amount_minor,
        cast(case
            when statused.is_voided then 0
            when statused.unsettled_amount_minor < 0 then 0
            else statused.unsettled_amount_minor
        end as bigint) as amount_due_minor,
        statused.payment_status,
        statused.paid_amount_minor > 0 and statused.paid_amount_minor < statused.total_amount_minor as is_partially_paid,
        statused.lost_dispute_at as dispute_lost_at,
        not statused.is_voided
            and statused.payment_status <> 'succeeded'
            and statused.lost_dispute_at is null
            and statused.payment_due_date <= statused.as_of_date as is_payment_overdue,
        case when statused.payment_status = 'succeeded' and paid_crossing.is_dated_cash then paid_crossing.crossed_at end as paid_at,
        cast(case when statused.payment_status = 'succeeded' and paid_crossing.is_dated_cash then paid_crossing.crossed_at end as date) as paid_date,
        statused.as_of_date
    from statused
    left join paid_crossing
        on statused.invoice_source = paid_crossing.invoice_source
        and statused.invoice_id = paid_crossing.invoice_id
)

select * from final
