-- The invoices each payment names (collections.md 4.2 pass 1 keys), from the payment alone:
-- its invoice reference (whole, and its last word: Lago sends `<entity> - Invoice <number>`,
-- head cut past 80 characters), Lago's metadata lago_invoice_id, lago_payable_id of an
-- Invoice, and the invoices of a Lago payment request (lago_payable_type PaymentRequest) or
-- of a Lago manual payment. Reads only payments and Lago's lists, never invoices, so billing
-- can use it too (the credit-note refund limit, int_billing__credit_note_checks) without a
-- cycle. Grain: (money_event_id, reference_key, reference_group).
with money_events as (
    select * from {{ ref('int_collections__money_events') }}
),

lago_payment_invoices as (
    select * from {{ ref('stg_lago__payment_invoices') }}
),

payment_request_invoices as (
    select * from {{ ref('stg_lago__payment_request_invoices') }}
),

payments as (
    select * from money_events
    where kind = 'payment'
),

-- Each reference names one invoice (reference_group 'named'); a Lago manual payment and a
-- payment request (lago_payable_type PaymentRequest) name a list of Lago invoice ids, each its
-- own group
final as (
    select money_event_id, invoice_reference as reference_key, 0 as is_lago_id, 'named' as reference_group
    from payments
    where invoice_reference is not null
    union
    select
        money_event_id, {{ dbt.split_part('invoice_reference', "' '", -1) }} as reference_key,
        0 as is_lago_id, 'named' as reference_group
    from payments
    where invoice_reference is not null
    union
    select money_event_id, lago_invoice_id as reference_key, 1 as is_lago_id, 'named' as reference_group
    from payments
    where lago_invoice_id is not null
    union
    select money_event_id, lago_payable_id as reference_key, 1 as is_lago_id, 'named' as reference_group
    from payments
    where lago_payable_type = 'Invoice' and lago_payable_id is not null
    union
    select
        payments.money_event_id, payment_request_invoices.lago_invoice_id as reference_key,
        1 as is_lago_id, payment_request_invoices.lago_invoice_id as reference_group
    from payments
    inner join payment_request_invoices
        on payments.lago_payable_id = payment_request_invoices.lago_payment_request_id
    where payments.lago_payable_type = 'PaymentRequest'
    union
    select
        payments.money_event_id, lago_payment_invoices.lago_invoice_id as reference_key,
        1 as is_lago_id, lago_payment_invoices.lago_invoice_id as reference_group
    from payments
    inner join lago_payment_invoices
        on payments.gateway = 'lago' and payments.gateway_event_id = lago_payment_invoices.lago_payment_id
)

select * from final
