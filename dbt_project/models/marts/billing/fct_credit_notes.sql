-- One row per credit note (imported Lago notes, termination credits, progressive billing
-- excess): the part credited to the customer's balance with what invoices consumed of it
-- (frozen invoices as frozen, open ones as assembled now; a voided invoice's use is given
-- back) and what is left, beside the refund and offset parts. credit_status: available
-- (something left), consumed (nothing left), refused (kept out by a limit: not applied, its
-- balance untouched, refusal_reason says why) or no_credit (a refund/offset-only note).
with credit_notes as (
    select * from {{ ref('int_billing__credit_notes') }}
),

credit_note_applications as (
    select * from {{ ref('int_billing__credit_note_applications') }}
),

finalized_credits as (
    select * from {{ ref('fct_finalized_invoice_credits') }}
    where credit_kind = 'credit_note'
),

applied_voids as (
    select invoice_id from {{ ref('fct_invoice_voids') }}
    where is_applied
),

uses as (
    select credit_source_id as credit_note_id, invoice_id, amount_minor
    from finalized_credits
    where invoice_id not in (select invoice_id from applied_voids)
    union all
    select credit_note_id, invoice_id, credit_amount_minor as amount_minor
    from credit_note_applications
    where invoice_id not in (select invoice_id from finalized_credits)
),

consumed as (
    select credit_note_id, sum(amount_minor) as consumed_amount_minor, count(*) as invoices_count
    from uses
    group by credit_note_id
),

-- A refused (kept out) note is not applied but keeps what it holds: its remaining balance
-- is that, not 0; an applied one's remaining is what invoices left of it.
balances as (
    select
        credit_notes.*,
        cast(coalesce(consumed.consumed_amount_minor, 0) as bigint) as consumed_amount_minor,
        cast(case
            when credit_notes.resolution = 'kept_out' then credit_notes.held_amount_minor
            else credit_notes.credit_amount_minor - coalesce(consumed.consumed_amount_minor, 0)
        end as bigint) as remaining_amount_minor,
        coalesce(consumed.invoices_count, 0) as invoices_count
    from credit_notes
    left join consumed on credit_notes.credit_note_id = consumed.credit_note_id
),

final as (
    select
        balances.*,
        resolution <> 'kept_out' as is_applied,
        case
            when resolution = 'kept_out' then 'refused'
            when remaining_amount_minor > 0 then 'available'
            when held_amount_minor > 0 or consumed_amount_minor > 0 or credit_type in ('credit', 'mixed') then 'consumed'
            else 'no_credit'
        end as credit_status,
        case when resolution = 'kept_out' then exception_reason end as refusal_reason
    from balances
)

select * from final
