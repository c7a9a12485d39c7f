-- Payments (docs/assurance.md §3, rule `payments`), read from collections:
-- * payment_without_invoice (medium): money received that names no invoice (no invoice
--   reference) and that cash application applied to none; amount = its unapplied amount.
-- * duplicate_payment (high): one invoice paid twice: at least two payments name it or were
--   applied to it and what they still hold (amount − refunded − charged back + reinstated; a
--   payment serving several invoices counts only what was applied to this one) exceeds the
--   invoice's total (net of revhouse offset credit notes); amount = the excess. A refunded second capture, or instalments that
--   add up to the total, are not flagged.
with payments as (
    select * from {{ ref('fct_payments') }}
),

cash_applications as (
    select * from {{ ref('fct_cash_applications') }}
),

reference_matches as (
    select * from {{ ref('int_collections__reference_matches') }}
),

invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

applied as (
    select
        payment_id,
        invoice_source,
        invoice_id,
        sum(amount_minor) as applied_minor
    from cash_applications
    where movement_kind = 'applied'
    group by payment_id, invoice_source, invoice_id
),

payment_invoices as (
    select payment_id, invoice_source, invoice_id from reference_matches
    union
    select payment_id, invoice_source, invoice_id from applied
),

invoices_per_payment as (
    select payment_id, count(*) as invoice_count
    from payment_invoices
    group by payment_id
),

held as (
    select
        payment_invoices.invoice_source,
        payment_invoices.invoice_id,
        payments.payment_id,
        payments.gateway_payment_id,
        payments.paid_at,
        case
            when invoices_per_payment.invoice_count = 1
                then payments.amount_minor - payments.refunded_minor - payments.charged_back_minor + payments.reinstated_minor
            else coalesce(applied.applied_minor, 0)
        end as held_minor
    from payment_invoices
    inner join payments on payment_invoices.payment_id = payments.payment_id
    inner join invoices_per_payment on payment_invoices.payment_id = invoices_per_payment.payment_id
    left join applied
        on payment_invoices.payment_id = applied.payment_id
        and payment_invoices.invoice_source = applied.invoice_source
        and payment_invoices.invoice_id = applied.invoice_id
),

paid_invoices as (
    select
        held.invoice_source,
        held.invoice_id,
        count(*) as payment_count,
        sum(held.held_minor) as held_minor,
        min(held.paid_at) as first_paid_at,
        {{ dbt.listagg("held.gateway_payment_id", "', '", "order by held.paid_at, held.gateway_payment_id") }} as gateway_payment_ids,
        {{ dbt.listagg("'payments:' || held.payment_id", "'; '", "order by held.paid_at, held.payment_id") }} as payment_evidence
    from held
    group by held.invoice_source, held.invoice_id
    having count(*) >= 2
),

duplicates as (
    select
        'duplicate_payment' as reason_code,
        'high' as severity,
        invoices.invoice_source || ':' || invoices.invoice_id as finding_key,
        invoices.external_customer_id,
        invoices.invoice_id,
        invoices.invoice_number,
        cast(true as {{ dbt.type_boolean() }}) as invoice_is_finalized,
        paid_invoices.first_paid_at as occurred_at,
        invoices.currency,
        invoices.currency_exponent,
        paid_invoices.held_minor - (invoices.total_amount_minor - invoices.offset_amount_minor) as amount_minor,
        'over_billed' as direction,
        'Invoice ' || invoices.invoice_number || ' (total '
            || {{ assurance_amount_text('invoices.total_amount_minor', 'invoices.currency_exponent', 'invoices.currency') }}
            || ') was paid ' || cast(paid_invoices.payment_count as {{ dbt.type_string() }}) || ' times ('
            || paid_invoices.gateway_payment_ids || '), '
            || {{ assurance_amount_text('paid_invoices.held_minor', 'invoices.currency_exponent', 'invoices.currency') }}
            || ' kept: '
            || {{ assurance_amount_text('paid_invoices.held_minor - (invoices.total_amount_minor - invoices.offset_amount_minor)', 'invoices.currency_exponent', 'invoices.currency') }}
            || ' too much' as reason_text,
        'receivable_invoices:' || invoices.invoice_source || ':' || invoices.invoice_id || '; ' || paid_invoices.payment_evidence
            as evidence
    from paid_invoices
    inner join invoices
        on paid_invoices.invoice_source = invoices.invoice_source
        and paid_invoices.invoice_id = invoices.invoice_id
    where paid_invoices.held_minor > invoices.total_amount_minor - invoices.offset_amount_minor
),

without_invoice as (
    select
        'payment_without_invoice' as reason_code,
        'medium' as severity,
        payments.payment_id as finding_key,
        coalesce(payments.external_customer_id, payments.gateway || ':' || payments.customer_reference, 'unidentified')
            as external_customer_id,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        cast(null as {{ dbt.type_string() }}) as invoice_number,
        cast(null as {{ dbt.type_boolean() }}) as invoice_is_finalized,
        payments.paid_at as occurred_at,
        payments.currency,
        currencies.minor_unit_exponent as currency_exponent,
        payments.unapplied_minor as amount_minor,
        'over_billed' as direction,
        'Payment ' || payments.gateway_payment_id || ' (' || payments.gateway || ') of '
            || {{ assurance_amount_text('payments.amount_minor', 'currencies.minor_unit_exponent', 'payments.currency') }}
            || ' names no invoice and cash application matched it to none: '
            || {{ assurance_amount_text('payments.unapplied_minor', 'currencies.minor_unit_exponent', 'payments.currency') }}
            || ' unapplied' as reason_text,
        'payments:' || payments.payment_id as evidence
    from payments
    left join currencies on payments.currency = currencies.currency
    left join payment_invoices on payments.payment_id = payment_invoices.payment_id
    where payments.invoice_reference is null
        and payments.applied_minor = 0
        and payments.unapplied_minor > 0
        and payment_invoices.payment_id is null
),

findings as (
    select * from duplicates
    union all
    select * from without_invoice
),

final as (
    select
        {{ assurance_finding_id('findings.reason_code', 'findings.finding_key') }} as finding_id,
        'payments' as rule_code,
        findings.reason_code,
        findings.severity,
        'rule' as source,
        findings.external_customer_id,
        cast(null as {{ dbt.type_string() }}) as external_subscription_id,
        findings.invoice_id,
        findings.invoice_number,
        findings.invoice_is_finalized,
        cast({{ dbt.date_trunc('month', 'findings.occurred_at') }} as date) as period_month,
        findings.currency,
        cast(findings.amount_minor as {{ dbt.type_bigint() }}) as amount_at_risk_minor,
        findings.direction,
        findings.reason_text,
        findings.evidence,
        report_date.report_date as detected_on
    from findings
    cross join report_date
)

select * from final
