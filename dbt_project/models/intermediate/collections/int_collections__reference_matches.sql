-- Pass 1 of cash application (collections.md 4.2, 4.3, 9): one row per payment × receivable
-- invoice its reference names (confidence 1.00). Keys: Lago's metadata lago_invoice_id or
-- lago_payable_id of an Invoice (matched to invoice ids only), and the invoice reference
-- (Stripe invoice / invoice_payment, Adyen Merchant Reference, GoCardless metadata or
-- reference) matched to an invoice id or number, whole or as its last word (Lago sends
-- `<entity> - Invoice <number>`, the head cut past 80 characters). A reference naming more than
-- one invoice keeps the one the customer most likely paid (reference_rank). A Lago payment
-- request charged at the gateway (lago_payable_type PaymentRequest) and a Lago manual payment
-- name several invoices: they are paid oldest due date first, then number, never above what
-- each has due; the rest stays unapplied.
-- Never applied: an invoice in another currency (currency_mismatch) or one voided before the
-- payment. Several payments naming one invoice are served in payment-time order (macro
-- applied_within_due). A payment before finalization is applied at max(payment, finalization).
with money_events as (
    select * from {{ ref('int_collections__money_events') }}
),

invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

payment_references as (
    select * from {{ ref('int_collections__payment_references') }}
),

payments as (
    select * from money_events
    where kind = 'payment'
),

invoice_keys as (
    select invoice_source, invoice_id, invoice_id as reference_key, 1 as is_id_key from invoices
    union
    select invoice_source, invoice_id, invoice_number as reference_key, 0 as is_id_key from invoices
    where invoice_number is not null
),

named as (
    select
        payment_references.money_event_id,
        payment_references.reference_group,
        invoice_keys.invoice_source,
        invoice_keys.invoice_id,
        max(greatest(invoice_keys.is_id_key, payment_references.is_lago_id)) as is_id_key
    from payment_references
    inner join invoice_keys on payment_references.reference_key = invoice_keys.reference_key
        and (payment_references.is_lago_id = 0 or invoice_keys.is_id_key = 1)
    group by
        payment_references.money_event_id, payment_references.reference_group,
        invoice_keys.invoice_source, invoice_keys.invoice_id
),

candidates as (
    select
        named.reference_group,
        payments.money_event_id as payment_id,
        payments.gateway,
        payments.occurred_at as paid_at,
        payments.currency as payment_currency,
        payments.amount_minor as payment_amount_minor,
        invoices.invoice_source,
        invoices.invoice_id,
        invoices.invoice_number,
        invoices.currency as invoice_currency,
        invoices.payment_due_date,
        invoices.finalized_at,
        invoices.voided_at,
        invoices.total_amount_minor - invoices.offset_amount_minor as invoice_due_minor,
        payments.currency <> invoices.currency as is_currency_mismatch,
        coalesce(invoices.voided_at <= payments.occurred_at, false) as is_voided_before_payment,
        -- a number can name an imported invoice and revhouse's own (one sequence, two systems):
        -- an id match wins, then the payment's currency, then the latest finalized by the
        -- payment date + 3 days (the invoice the customer was paying), then the earliest after
        row_number() over (
            partition by named.money_event_id, named.reference_group
            order by
                named.is_id_key desc,
                case when payments.currency = invoices.currency then 0 else 1 end,
                case when cast(invoices.finalized_at as date)
                    <= {{ dbt.dateadd('day', 3, 'cast(payments.occurred_at as date)') }} then 0 else 1 end,
                case when cast(invoices.finalized_at as date)
                    <= {{ dbt.dateadd('day', 3, 'cast(payments.occurred_at as date)') }}
                    then {{ dbt.datediff('invoices.finalized_at', 'payments.occurred_at', 'second') }}
                    else {{ dbt.datediff('payments.occurred_at', 'invoices.finalized_at', 'second') }}
                end,
                invoices.invoice_source, invoices.invoice_id
        ) as reference_rank
    from named
    inner join payments on named.money_event_id = payments.money_event_id
    inner join invoices
        on named.invoice_source = invoices.invoice_source and named.invoice_id = invoices.invoice_id
),

-- an invoice named by two groups of one payment (its number and its Lago id) counts once
named_invoices as (
    select * from (
        select
            *,
            row_number() over (
                partition by payment_id, invoice_source, invoice_id order by reference_group
            ) as group_rank
        from candidates
        where reference_rank = 1
    ) as ranked
    where group_rank = 1
),

claims as (
    select
        *,
        case
            when is_currency_mismatch or is_voided_before_payment then 0
            else least(
                greatest(invoice_due_minor, 0),
                greatest(0, payment_amount_minor - coalesce(sum(greatest(invoice_due_minor, 0)) over (
                    partition by payment_id, is_currency_mismatch or is_voided_before_payment
                    order by payment_due_date, invoice_number, invoice_id
                    rows between unbounded preceding and 1 preceding
                ), 0))
            )
        end as claimed_minor
    from named_invoices
),

final as (
    select
        payment_id,
        gateway,
        paid_at,
        payment_currency,
        payment_amount_minor,
        invoice_source,
        invoice_id,
        invoice_number,
        invoice_currency,
        payment_due_date,
        finalized_at,
        voided_at,
        invoice_due_minor,
        is_currency_mismatch,
        is_voided_before_payment,
        claimed_minor,
        cast({{ applied_within_due('claimed_minor', 'greatest(invoice_due_minor, 0)',
            ['invoice_source', 'invoice_id'], ['paid_at', 'payment_id']) }} as bigint) as applied_minor,
        greatest(finalized_at, paid_at) as effective_at
    from claims
)

select * from final
