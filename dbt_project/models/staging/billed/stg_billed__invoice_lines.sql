with source as ({{ children_of_latest(source('billed', 'billed_invoice_lines'), source('billed', 'billed_invoices'), 'invoice_id', 'invoice_id') }}),

final as (
    select
        invoice_source,
        invoice_id,
        line_number,
        line_id,
        fee_type,
        item_code,
        description,
        external_subscription_id,
        cast(units as decimal(38, 12)) as units,
        currency,
        cast(amount_minor as bigint) as amount_minor,
        cast(taxes_amount_minor as bigint) as taxes_amount_minor,
        cast(service_start_at as timestamp) as service_start_at,
        cast(service_end_at as timestamp) as service_end_at,
        {{ lineage_columns() }}
    from source
)

select * from final
