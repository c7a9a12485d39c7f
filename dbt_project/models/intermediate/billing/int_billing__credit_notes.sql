-- Credit notes whose `credit` part goes to the customer's balance (pricing.md 5.5, 7): one
-- row per note with the amount available to later invoices and the date it becomes usable.
-- Only what int_billing__credit_note_checks allows is applied: a note breaking a limit of
-- pricing.md 7 credits nothing (or, for a termination credit, only its allowed part) and is
-- listed in billing.fct_credit_note_exceptions.
-- Imported Lago notes: their remaining `balance_amount` (what Lago still owes the customer),
-- usable from their creation date; voided ones and used-up ones (balance 0) are left out; the
-- customer comes from the imported Lago invoice they credit (Lago notes do not name it).
-- revhouse's own notes (termination credits, progressive billing excess) are all kept, their
-- refund and offset parts recorded beside the credit part; they never reach the balance.
with checks as (
    select * from {{ ref('int_billing__credit_note_checks') }}
),

final as (
    select
        {%- for column in credit_note_identity_columns() %}
        {{ column }},
        {%- endfor %}
        cast(case
            when credit_note_source = 'lago_import' then least(coalesce(balance_amount_minor, 0), credit_amount_minor)
            else credit_amount_minor
        end as bigint) as credit_amount_minor,
        refund_amount_minor,
        offset_amount_minor,
        resolution
    from checks
    where credit_note_source <> 'lago_import' or coalesce(balance_amount_minor, 0) > 0
)

select * from final
