-- One row per invoice with what credit notes did to it and what is still due (pricing.md 7,
-- 8), derived beside the frozen total, never written into it. Of the credit notes on the
-- invoice (the applied parts, int_billing__credit_note_checks): `credit` went to the
-- customer's balance and does not lower this invoice; `offset` settles part of it; `refund`
-- is owed back through the gateway. Payment state comes from fct_invoices (collections.md 1.4):
-- amount due = total − paid − offsets − credit-note settlements (never below 0), 0 once voided;
-- a draft has no payment state and owes total − offsets.
with invoices as (
    select * from {{ ref('fct_invoices') }}
),

credit_notes as (
    select * from {{ ref('int_billing__credit_notes') }}
),

per_invoice as (
    select
        credited_invoice_id as invoice_id,
        sum(credit_amount_minor) as credited_amount_minor,
        sum(offset_amount_minor) as offset_amount_minor,
        sum(refund_amount_minor) as refunded_amount_minor
    from credit_notes
    where credit_note_source <> 'lago_import'
    group by credited_invoice_id
),

final as (
    select
        invoices.invoice_id,
        invoices.invoice_number,
        invoices.status,
        invoices.external_customer_id,
        invoices.currency,
        invoices.currency_exponent,
        invoices.total_amount_minor,
        cast(coalesce(per_invoice.credited_amount_minor, 0) as bigint) as credit_notes_credited_amount_minor,
        cast(coalesce(per_invoice.offset_amount_minor, 0) as bigint) as credit_notes_offset_amount_minor,
        cast(coalesce(per_invoice.refunded_amount_minor, 0) as bigint) as credit_notes_refunded_amount_minor,
        invoices.status = 'voided' as is_voided,
        invoices.voided_at,
        invoices.net_payment_term_days,
        invoices.payment_due_date,
        invoices.payment_status,
        invoices.paid_amount_minor,
        invoices.is_overdue,
        cast(case
            when invoices.amount_due_minor is not null then invoices.amount_due_minor
            when invoices.status = 'voided' then 0
            when invoices.total_amount_minor - coalesce(per_invoice.offset_amount_minor, 0) < 0 then 0
            else invoices.total_amount_minor - coalesce(per_invoice.offset_amount_minor, 0)
        end as bigint) as amount_due_minor
    from invoices
    left join per_invoice on invoices.invoice_id = per_invoice.invoice_id
)

select * from final
