with source as ({{ latest_version(source('billed', 'billed_credit_notes'), 'credit_note_id') }}),

final as (
    select
        invoice_source,
        credit_note_id,
        credit_note_number,
        invoice_id,
        invoice_number,
        status,
        refund_status,
        reason,
        credit_note_type,
        currency,
        cast(issuing_date as date) as issuing_date,
        cast(total_amount_minor as bigint) as total_amount_minor,
        cast(credit_amount_minor as bigint) as credit_amount_minor,
        cast(refund_amount_minor as bigint) as refund_amount_minor,
        cast(taxes_amount_minor as bigint) as taxes_amount_minor,
        cast(created_at as timestamp) as created_at,
        payload_json,
        {{ lineage_columns() }}
    from source
)

select * from final
