-- One row per invoice (pricing.md 8): the frozen finalized invoices as they were written,
-- plus the drafts still in their grace period (fct_draft_invoices, recomputed every run).
-- A finalized invoice with an applied void (fct_invoice_voids) shows status `voided` and
-- when, by whom and why; its frozen row is not changed and its number stays used.
-- Payment state (collections.md 1) sits beside the frozen row, derived every run as of `as_of`
-- (int_collections__invoice_payment_state); drafts have none yet.
with finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

draft_invoices as (
    select * from {{ ref('fct_draft_invoices') }}
),

voids as (
    select * from {{ ref('fct_invoice_voids') }}
    where is_applied
),

payment_state as (
    select * from {{ ref('int_collections__invoice_payment_state') }}
    where invoice_source = 'revhouse'
),

all_invoices as (
    select * from finalized_invoices
    union all
    select * from draft_invoices
),

final as (
    select
        all_invoices.invoice_id,
        all_invoices.invoice_number,
        all_invoices.invoice_sequence,
        all_invoices.invoice_type,
        all_invoices.billing_entity_code,
        all_invoices.billing_entity_name,
        all_invoices.billing_entity_country,
        all_invoices.external_customer_id,
        all_invoices.customer_name,
        all_invoices.customer_legal_name,
        all_invoices.customer_email,
        all_invoices.customer_country,
        all_invoices.currency,
        all_invoices.currency_exponent,
        all_invoices.issuing_date,
        case when voids.invoice_id is not null then 'voided' else all_invoices.status end as status,
        all_invoices.finalized_at,
        all_invoices.frozen_at,
        all_invoices.fees_count,
        all_invoices.fees_amount_minor,
        all_invoices.progressive_billing_credit_amount_minor,
        all_invoices.coupons_amount_minor,
        all_invoices.sub_total_excluding_taxes_amount_minor,
        all_invoices.taxes_amount_minor,
        all_invoices.sub_total_including_taxes_amount_minor,
        all_invoices.credit_notes_amount_minor,
        all_invoices.prepaid_credit_amount_minor,
        all_invoices.total_amount_minor,
        voids.voided_at,
        voids.voided_by,
        voids.void_reason,
        payment_state.net_payment_term_days,
        payment_state.payment_due_date,
        payment_state.payment_status,
        payment_state.paid_amount_minor,
        payment_state.amount_due_minor,
        payment_state.is_payment_overdue as is_overdue
    from all_invoices
    left join voids on all_invoices.invoice_id = voids.invoice_id
    left join payment_state on all_invoices.invoice_id = payment_state.invoice_id
)

select * from final
