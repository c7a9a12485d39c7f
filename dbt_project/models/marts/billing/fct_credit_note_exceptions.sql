-- One row per credit note that breaks a limit of pricing.md 7 or whose limits could not all
-- be checked, for an auditor: the limit, the figures it was checked with, why, and what was
-- done (kept_out: nothing of it applied; capped: a termination credit whose refund/offset
-- part was capped and the rest credited, as Lago does; applied_unchecked: an imported note
-- whose credited invoice is not in the warehouse or landed without amounts, applied as Lago
-- issued it, check_status not_checkable). Notes that passed every check are not listed.
with checks as (
    select * from {{ ref('int_billing__credit_note_checks') }}
),

final as (
    select
        credit_note_id,
        credit_note_source,
        credit_note_number,
        external_customer_id,
        currency,
        credited_invoice_id,
        credit_type,
        available_from_date,
        origin,
        reason,
        check_status,
        broken_limit,
        unchecked_limits,
        exception_reason,
        resolution,
        total_amount_minor,
        credit_sub_total_amount_minor,
        taxes_amount_minor,
        requested_credit_amount_minor,
        requested_refund_amount_minor,
        requested_offset_amount_minor,
        invoice_creditable_amount_minor,
        invoice_total_amount_minor,
        paid_amount_minor,
        is_paid_amount_known,
        credit_limit_minor,
        refund_limit_minor,
        offset_limit_minor,
        credit_amount_minor as applied_credit_amount_minor,
        refund_amount_minor as applied_refund_amount_minor,
        offset_amount_minor as applied_offset_amount_minor
    from checks
    where check_status <> 'passed'
)

select * from final
