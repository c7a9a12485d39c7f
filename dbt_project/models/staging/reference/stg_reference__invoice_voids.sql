-- Voids finance recorded (reference/invoice_voids, pricing.md 8). Landing the same number
-- again replaces the earlier row (the newest landing wins, like every reference CSV); whether
-- the void is allowed is decided against the frozen invoices (macros/invoicing/invoice_voids.sql).
with overlaid as (
    {{ reference_overlay('invoice_voids', 'invoice_voids', ['invoice_number', 'voided_at', 'voided_by', 'reason'], ['invoice_number']) }}
),

final as (
    select
        invoice_number,
        voided_at as voided_at_text,
        {{ reference_try_cast('voided_at', dbt.type_timestamp()) }} as voided_at,
        voided_by,
        reason as void_reason,
        _is_seed = 1 as is_from_seed,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
