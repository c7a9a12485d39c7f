-- When each receivable invoice is overdue in Lago's sense (collections.md 1.3), as a window
-- [overdue_from_at, overdue_until_at): from its due date at 00:00 UTC (or its finalization, if
-- later) until it is settled (Lago's `succeeded`: paid + settled by credit note + offset >=
-- total, the first time the running sum of its cash applications reaches it) or voided.
-- A later chargeback does not reopen it for dunning: Lago stamps payment_dispute_lost_at,
-- which keeps it out of dunning (4.5). Offsets carry no time in the interface: they count from
-- finalization. Self-billed invoices are not flagged in the receivables model yet, so none is
-- left out.
with invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

applications as (
    select * from {{ ref('int_collections__cash_applications') }}
),

running as (
    select
        applications.invoice_source,
        applications.invoice_id,
        applications.effective_at,
        sum(applications.amount_minor) over (
            partition by applications.invoice_source, applications.invoice_id
            order by applications.effective_at, applications.application_id
            rows between unbounded preceding and current row
        ) as settled_amount_minor
    from applications
),

first_settled as (
    select
        running.invoice_source,
        running.invoice_id,
        min(running.effective_at) as settled_at
    from running
    inner join invoices
        on running.invoice_source = invoices.invoice_source
        and running.invoice_id = invoices.invoice_id
    where running.settled_amount_minor + invoices.offset_amount_minor >= invoices.total_amount_minor
    group by running.invoice_source, running.invoice_id
),

windows as (
    select
        invoices.invoice_source,
        invoices.invoice_id,
        invoices.external_customer_id,
        invoices.billing_entity_code,
        invoices.currency,
        invoices.total_amount_minor,
        invoices.offset_amount_minor,
        invoices.payment_due_date,
        invoices.finalized_at,
        invoices.voided_at,
        case
            when invoices.offset_amount_minor >= invoices.total_amount_minor then invoices.finalized_at
            else first_settled.settled_at
        end as settled_at,
        case
            when invoices.finalized_at > cast(invoices.payment_due_date as timestamp) then invoices.finalized_at
            else cast(invoices.payment_due_date as timestamp)
        end as overdue_from_at
    from invoices
    left join first_settled
        on invoices.invoice_source = first_settled.invoice_source
        and invoices.invoice_id = first_settled.invoice_id
),

final as (
    select
        windows.*,
        case
            when windows.settled_at is null then windows.voided_at
            when windows.voided_at is null then windows.settled_at
            when windows.voided_at < windows.settled_at then windows.voided_at
            else windows.settled_at
        end as overdue_until_at
    from windows
)

select * from final
