-- One row per credit note crediting a customer's balance (imported Lago notes, termination
-- credits): its amount, what invoices have consumed of it, and what is left.
with credit_notes as (
    select * from {{ ref('int_billing__credit_notes') }}
),

credit_note_applications as (
    select * from {{ ref('int_billing__credit_note_applications') }}
),

consumed as (
    select credit_note_id, sum(credit_amount_minor) as consumed_amount_minor, count(*) as invoices_count
    from credit_note_applications
    group by credit_note_id
),

final as (
    select
        credit_notes.*,
        cast(coalesce(consumed.consumed_amount_minor, 0) as bigint) as consumed_amount_minor,
        cast(credit_notes.credit_amount_minor - coalesce(consumed.consumed_amount_minor, 0) as bigint) as remaining_amount_minor,
        coalesce(consumed.invoices_count, 0) as invoices_count
    from credit_notes
    left join consumed on credit_notes.credit_note_id = consumed.credit_note_id
)

select * from final
