-- One row per movement of cash onto or off one invoice (collections.md 4.2-4.5, 9), as
-- int_collections__cash_applications computes it, with the invoice's number and customer.
with cash_applications as (
    select * from {{ ref('int_collections__cash_applications') }}
),

invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

final as (
    select
        cash_applications.application_id,
        cash_applications.payment_id,
        cash_applications.money_event_id,
        cash_applications.gateway,
        cash_applications.invoice_source,
        cash_applications.invoice_id,
        invoices.invoice_number,
        invoices.external_customer_id,
        cash_applications.currency,
        cash_applications.movement_kind,
        cast(cash_applications.amount_minor as bigint) as amount_minor,
        cash_applications.effective_at,
        cash_applications.match_pass,
        cast(cash_applications.match_confidence as decimal(5, 2)) as match_confidence,
        cash_applications.flag
    from cash_applications
    left join invoices
        on cash_applications.invoice_source = invoices.invoice_source
        and cash_applications.invoice_id = invoices.invoice_id
)

select * from final
