-- One row per void finance recorded (reference/invoice_voids, pricing.md 8): whether it was
-- applied, and if not, why. Applied voids are what fct_invoices shows as status `voided`; a
-- rejected one changes nothing. The frozen invoice rows are never touched: the status is
-- derived from this append-only record.
with finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

decisions as (
    {{ invoice_void_decisions('select invoice_id, invoice_number, finalized_at from finalized_invoices') }}
),

final as (
    select
        invoice_number,
        invoice_id,
        voided_at,
        voided_at_text,
        voided_by,
        void_reason,
        finalized_at,
        rejection_reason is null as is_applied,
        rejection_reason,
        _source_file as source_file
    from decisions
)

select * from final
