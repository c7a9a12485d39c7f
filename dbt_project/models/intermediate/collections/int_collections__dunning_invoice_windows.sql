-- When each receivable invoice is overdue in Lago's sense (collections.md 1.3), as a window
-- [overdue_from_at, overdue_until_at): from its due date at 00:00 UTC (or its finalization, if
-- later) until it is settled or voided. Settled = Lago's `succeeded`, read from the same
-- settlement view as receivables (int_collections__invoice_settlements: cash applied, net of
-- reversals, credit-note settlements and offsets as they become available, and what Lago reports
-- paid on an imported invoice): the first time their running sum reaches the total. So an
-- invoice Lago reports paid is never dunned. A later chargeback does not reopen it for dunning:
-- Lago stamps payment_dispute_lost_at, which keeps it out of dunning (4.5). Self-billed invoices
-- are not flagged in the receivables model yet, so none is left out.
with invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

settlements as (
    select * from {{ ref('int_collections__invoice_settlements') }}
),

running as (
    select
        settlements.invoice_source,
        settlements.invoice_id,
        settlements.effective_at,
        sum(settlements.amount_minor) over (
            partition by settlements.invoice_source, settlements.invoice_id
            order by settlements.effective_at, settlements.settlement_id
            rows between unbounded preceding and current row
        ) as settled_amount_minor
    from settlements
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
    where running.settled_amount_minor >= invoices.total_amount_minor
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
        -- nothing to pay (a total of 0) is settled at finalization, as Lago marks it
        case
            when invoices.total_amount_minor <= 0 then invoices.finalized_at
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
