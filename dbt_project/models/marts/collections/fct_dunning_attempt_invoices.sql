with attempt_invoices as (
    select * from {{ ref('int_collections__dunning_attempt_invoices') }}
),

final as (
    select
        dunning_attempt_id, invoice_source, invoice_id, external_customer_id, currency,
        billing_entity_code, attempted_at, attempt_source, total_amount_minor, paid_amount_minor,
        offset_amount_minor, invoice_amount_minor
    from attempt_invoices
)

select * from final
