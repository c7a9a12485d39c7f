-- One row per invoice a customer owes money on, keyed by (invoice_source, invoice_id): the
-- documents in force by the cutover rule that also decides revenue (landing contract,
-- settings `cutover_date`): the incumbent's imported invoices (`billed`) issued before the
-- cutover date, revhouse's own finalized invoices issued on or after it (all of them when no
-- cutover date is set). The other side's invoices for the same service are shadow documents
-- (compared by revenue assurance, never owed twice). Payment terms
-- and due dates follow collections.md 1.1-1.2: the customer's net payment term wins whenever
-- set (0 is a value), else the billing entity's, else 0; due = issuing date + term calendar
-- days; a wallet top-up (credit) invoice is due on its issuing day. Imported invoices keep
-- the due date they were sent with.
-- Reads the frozen invoices and their voids, not fct_invoices: fct_invoices shows the payment
-- state derived from this model, so reading it here would be a cycle.
with finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

voids as (
    select * from {{ ref('fct_invoice_voids') }}
    where is_applied
),

invoices as (
    select finalized_invoices.*, voids.voided_at
    from finalized_invoices
    left join voids on finalized_invoices.invoice_id = voids.invoice_id
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

billed_invoices as (
    select * from {{ ref('stg_billed__invoices') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

credit_notes as (
    select * from {{ ref('int_billing__credit_notes') }}
),

offsets as (
    select
        credited_invoice_id as invoice_id,
        sum(offset_amount_minor) as offset_amount_minor
    from credit_notes
    where credit_note_source <> 'lago_import'
    group by credited_invoice_id
),

own as (
    select
        'revhouse' as invoice_source,
        invoices.invoice_id,
        invoices.invoice_number,
        invoices.invoice_type,
        invoices.external_customer_id,
        customers.provider_customer_id,
        invoices.billing_entity_code,
        invoices.currency,
        invoices.currency_exponent,
        invoices.total_amount_minor,
        cast(coalesce(offsets.offset_amount_minor, 0) as bigint) as offset_amount_minor,
        invoices.issuing_date,
        invoices.finalized_at,
        case
            when invoices.invoice_type = 'credit' then 0
            else coalesce(customers.net_payment_term_days, entities.net_payment_term_days, 0)
        end as net_payment_term_days,
        invoices.voided_at,
        cast(null as bigint) as reported_paid_amount_minor,
        cast(null as timestamp) as dispute_lost_at
    from invoices
    left join customers on invoices.external_customer_id = customers.external_customer_id
    left join entities on invoices.billing_entity_code = entities.billing_entity_code
    left join offsets on invoices.invoice_id = offsets.invoice_id
    where invoices.finalized_at is not null
        and {{ own_invoice_in_force('invoices.issuing_date') }}
),

own_due as (
    select
        own.*,
        cast({{ dbt.dateadd('day', 'net_payment_term_days', 'issuing_date') }} as date) as payment_due_date
    from own
),

imported as (
    select
        billed_invoices.invoice_source,
        billed_invoices.invoice_id,
        billed_invoices.invoice_number,
        'imported' as invoice_type,
        billed_invoices.external_customer_id,
        customers.provider_customer_id,
        billed_invoices.billing_entity_code,
        billed_invoices.currency,
        currencies.minor_unit_exponent as currency_exponent,
        billed_invoices.total_amount_minor,
        cast(0 as bigint) as offset_amount_minor,
        billed_invoices.issuing_date,
        cast(billed_invoices.issuing_date as timestamp) as finalized_at,
        billed_invoices.net_payment_term_days,
        cast(billed_invoices.voided_at as timestamp) as voided_at,
        -- Lago's own record of what was paid (succeeded = the total), kept for the cash not landed here
        case
            when billed_invoices.payment_status = 'succeeded' then billed_invoices.total_amount_minor
            else billed_invoices.total_paid_amount_minor
        end as reported_paid_amount_minor,
        cast(billed_invoices.payment_dispute_lost_at as timestamp) as dispute_lost_at,
        coalesce(
            billed_invoices.payment_due_date,
            cast({{ dbt.dateadd('day', 'coalesce(billed_invoices.net_payment_term_days, 0)', 'billed_invoices.issuing_date') }} as date)
        ) as payment_due_date
    from billed_invoices
    left join customers on billed_invoices.external_customer_id = customers.external_customer_id
    left join currencies on billed_invoices.currency = currencies.currency
    where billed_invoices.status not in ('draft', 'deleted')
        and billed_invoices.issuing_date < {{ cutover_date() }}
),

final as (
    select
        invoice_source, invoice_id, invoice_number, invoice_type, external_customer_id,
        provider_customer_id, billing_entity_code, currency, currency_exponent,
        total_amount_minor, offset_amount_minor, issuing_date, finalized_at,
        net_payment_term_days, payment_due_date, voided_at, reported_paid_amount_minor, dispute_lost_at
    from own_due
    union all
    select
        invoice_source, invoice_id, invoice_number, invoice_type, external_customer_id,
        provider_customer_id, billing_entity_code, currency, currency_exponent,
        total_amount_minor, offset_amount_minor, issuing_date, finalized_at,
        net_payment_term_days, payment_due_date, voided_at, reported_paid_amount_minor, dispute_lost_at
    from imported
)

select * from final
