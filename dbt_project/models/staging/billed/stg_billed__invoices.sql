-- Column names are the raw ones (already minor units, `_amount_minor`), so consumers that read
-- raw.billed_invoices through latest_version read this model unchanged.
with source as (
    {{ latest_version(source('billed', 'billed_invoices'), 'invoice_id') }}
),

final as (
    select
        invoice_source,
        invoice_id,
        invoice_number,
        external_customer_id,
        external_subscription_id,
        billing_entity_code,
        status,
        currency,
        cast(issuing_date as date) as issuing_date,
        cast(period_start_at as timestamp) as period_start_at,
        cast(period_end_at as timestamp) as period_end_at,
        cast(fees_amount_minor as bigint) as fees_amount_minor,
        cast(coupons_amount_minor as bigint) as coupons_amount_minor,
        cast(taxes_amount_minor as bigint) as taxes_amount_minor,
        cast(credit_notes_amount_minor as bigint) as credit_notes_amount_minor,
        cast(prepaid_credit_amount_minor as bigint) as prepaid_credit_amount_minor,
        cast(total_amount_minor as bigint) as total_amount_minor,
        cast(payment_due_date as date) as payment_due_date,
        net_payment_term as net_payment_term_days,
        payment_status,
        payment_overdue as is_payment_overdue,
        payment_dispute_lost_at,
        cast(total_paid_amount_minor as bigint) as total_paid_amount_minor,
        cast(total_due_amount_minor as bigint) as total_due_amount_minor,
        voided_at,
        payload_json,
        _source_file,
        _row_number,
        _ingested_at
    from source
)

select * from final
