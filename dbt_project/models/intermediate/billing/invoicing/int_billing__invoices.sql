-- One row per open invoice as computed from today's inputs (pricing.md 5, 8): sub-totals,
-- credit notes, prepaid credits, total, and whether its grace period is over. Only
-- fct_finalized_invoices freezes an invoice; this model is recomputed on every run for the
-- invoices not frozen yet.
-- Grace period: the customer's `invoice_grace_period` overrides the `grace_period_days`
-- setting (Lago's rule); an invoice is due for finalization when issuing_date + grace <= the
-- billing "now" (as_of date).
with invoice_subtotals as (
    select * from {{ ref('int_billing__invoice_subtotals') }}
),

credit_note_applications as (
    select * from {{ ref('int_billing__credit_note_applications') }}
),

wallet_applications as (
    select * from {{ ref('int_billing__wallet_applications') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

wallet_credit_invoices as (
    select * from {{ ref('int_billing__wallet_credit_invoices') }}
),

-- Finalized invoices are frozen (macros/invoicing/frozen_state.sql) and not recomputed: the
-- carry-over steps skip them, so only open invoices come out of here.
frozen_invoices as (
    {{ frozen_rows('fct_finalized_invoices', {'invoice_id': dbt.type_string()}) }}
),

credit_notes as (
    select invoice_id, sum(credit_amount_minor) as credit_notes_amount_minor
    from credit_note_applications
    group by invoice_id
),

prepaid as (
    select invoice_id, sum(prepaid_credit_amount_minor) as prepaid_credit_amount_minor
    from wallet_applications
    group by invoice_id
),

-- Credit invoices (paid wallet top-ups) carry one untaxed line and nothing else.
credit_invoices as (
    select
        invoice_id,
        'credit' as invoice_type,
        external_customer_id,
        billing_entity_code,
        currency,
        currency_exponent,
        issuing_date,
        cast(1 as bigint) as fees_count,
        amount_minor as fees_amount_minor,
        cast(0 as bigint) as progressive_billing_credit_amount_minor,
        cast(0 as bigint) as coupons_amount_minor,
        amount_minor as sub_total_excluding_taxes_amount_minor,
        cast(0 as bigint) as taxes_amount_minor,
        amount_minor as sub_total_including_taxes_amount_minor
    from wallet_credit_invoices
),

{%- set invoice_columns = ['invoice_id', 'invoice_type', 'external_customer_id', 'billing_entity_code', 'currency', 'currency_exponent', 'issuing_date', 'fees_count', 'fees_amount_minor', 'progressive_billing_credit_amount_minor', 'coupons_amount_minor', 'sub_total_excluding_taxes_amount_minor', 'taxes_amount_minor', 'sub_total_including_taxes_amount_minor'] %}

-- invoice_type: subscription (period and in-advance fees), progressive_billing (threshold
-- invoices) from invoice assembly; credit (paid wallet top-ups) from here.
all_invoices as (
    select {{ invoice_columns | join(', ') }} from invoice_subtotals
    union all
    select {{ invoice_columns | join(', ') }} from credit_invoices
),

assembled as (
    select
        all_invoices.*,
        cast(coalesce(credit_notes.credit_notes_amount_minor, 0) as bigint) as credit_notes_amount_minor,
        cast(coalesce(prepaid.prepaid_credit_amount_minor, 0) as bigint) as prepaid_credit_amount_minor,
        coalesce(customers.invoice_grace_period_days, {{ invoicing_grace_period_days() }}) as grace_period_days,
        customers.customer_name,
        customers.legal_name as customer_legal_name,
        customers.email as customer_email,
        customers.country as customer_country
    from all_invoices
    left join credit_notes on all_invoices.invoice_id = credit_notes.invoice_id
    left join prepaid on all_invoices.invoice_id = prepaid.invoice_id
    left join customers on all_invoices.external_customer_id = customers.external_customer_id
    where not exists (select 1 from frozen_invoices where frozen_invoices.invoice_id = all_invoices.invoice_id)
),

final as (
    select
        invoice_id,
        invoice_type,
        external_customer_id,
        customer_name,
        customer_legal_name,
        customer_email,
        customer_country,
        billing_entity_code,
        currency,
        currency_exponent,
        issuing_date,
        grace_period_days,
        cast({{ dbt.dateadd('day', 'grace_period_days', 'issuing_date') }} as date) as finalization_due_date,
        cast({{ dbt.dateadd('day', 'grace_period_days', 'issuing_date') }} as date) <= {{ invoicing_as_of_date() }} as is_due_for_finalization,
        fees_count,
        fees_amount_minor,
        progressive_billing_credit_amount_minor,
        coupons_amount_minor,
        sub_total_excluding_taxes_amount_minor,
        taxes_amount_minor,
        sub_total_including_taxes_amount_minor,
        credit_notes_amount_minor,
        prepaid_credit_amount_minor,
        -- Credits are capped at what is due, so this is >= 0 by construction
        -- (assert_total_not_negative guards it).
        cast(sub_total_including_taxes_amount_minor - credit_notes_amount_minor - prepaid_credit_amount_minor as bigint)
            as total_amount_minor
    from assembled
)

select * from final
