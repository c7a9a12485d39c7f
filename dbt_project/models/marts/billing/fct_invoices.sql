-- One row per invoice (pricing.md 5, 8): the frozen finalized invoices as they were written,
-- plus the drafts still in their grace period (fct_draft_invoices, recomputed every run).
-- Status `voided` is accepted but nothing voids an invoice yet.
with finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

draft_invoices as (
    select * from {{ ref('fct_draft_invoices') }}
),

final as (
    select * from finalized_invoices
    union all
    select * from draft_invoices
)

select * from final
