-- Every checked credit note (pricing.md 5.5, 7) with the part of it that reaches the customer's
-- balance and the date it becomes usable. Only what int_billing__credit_note_checks allows is
-- applied: a note breaking a limit credits nothing (or, for a termination credit, only its
-- allowed part) and is listed in billing.fct_credit_note_exceptions; it still holds what it
-- would have credited (held_amount_minor), so its true remaining balance can be shown.
-- Imported Lago notes: their remaining `balance_amount` (what Lago still owes the customer),
-- usable from their creation date, also when the invoice they credit is not in the warehouse
-- (customer from that invoice, else from the note); a used-up one (balance 0) credits 0.
-- Voided Lago notes are not checked, so not here.
-- revhouse's own notes (termination credits, progressive billing excess): their refund and
-- offset parts are recorded beside the credit part; they never reach the balance.
with checks as (
    select * from {{ ref('int_billing__credit_note_checks') }}
),

final as (
    select
        {%- for column in credit_note_identity_columns() %}
        {{ column }},
        {%- endfor %}
        origin,
        cast(case
            when credit_note_source = 'lago_import' then least(coalesce(balance_amount_minor, 0), credit_amount_minor)
            else credit_amount_minor
        end as bigint) as credit_amount_minor,
        -- What the note's credit part holds whether or not it is applied.
        cast(case
            when credit_note_source = 'lago_import' then least(coalesce(balance_amount_minor, 0), requested_credit_amount_minor)
            when resolution = 'kept_out' then requested_credit_amount_minor
            else credit_amount_minor
        end as bigint) as held_amount_minor,
        refund_amount_minor,
        offset_amount_minor,
        resolution,
        check_status,
        exception_reason
    from checks
)

select * from final
