with source as ({{ latest_version(source('lago', 'lago_credit_notes'), 'lago_id') }}),

final as (
    select
        lago_id as lago_credit_note_id,
        number as credit_note_number,
        lago_invoice_id,
        invoice_number,
        reason,
        currency,
        credit_status,
        refund_status,
        cast(total_amount_cents as bigint) as total_amount_minor,
        cast(credit_amount_cents as bigint) as credit_amount_minor,
        cast(balance_amount_cents as bigint) as balance_amount_minor,
        cast(refund_amount_cents as bigint) as refund_amount_minor,
        cast(offset_amount_cents as bigint) as offset_amount_minor,
        cast(taxes_amount_cents as bigint) as taxes_amount_minor,
        created_at,
        payload_json,
        {{ lineage_columns() }}
    from source
)

select * from final
