with source as (
    {{ children_of_latest(source('lago', 'lago_payment_invoices'), source('lago', 'lago_payments'),
        'payment_lago_id', 'lago_id') }}
),

final as (
    select
        payment_lago_id as lago_payment_id,
        invoice_position,
        invoice_lago_id as lago_invoice_id,
        invoice_number,
        _source_file,
        _row_number,
        _ingested_at
    from source
)

select * from final
