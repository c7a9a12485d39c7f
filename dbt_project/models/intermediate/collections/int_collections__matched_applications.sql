-- One row per payment × invoice that passes 1-3 of cash application put cash on (collections.md
-- 4.2-4.3), before any refund, chargeback or void takes it back: the amount, the pass and its
-- confidence, and when it takes effect (max(payment, finalization), 9).
with reference_matches as (
    select * from {{ ref('int_collections__reference_matches') }}
),

scored_matches as (
    select * from {{ ref('int_collections__scored_matches') }}
),

exact_sum_matches as (
    select * from {{ ref('int_collections__exact_sum_matches') }}
),

passes as (
    select
        payment_id, gateway, payment_currency as currency, invoice_source, invoice_id, invoice_number,
        payment_due_date, applied_minor, effective_at,
        'reference' as match_pass, cast(1.00 as decimal(5, 2)) as match_confidence
    from reference_matches
    union all
    select
        payment_id, gateway, currency, invoice_source, invoice_id, invoice_number,
        payment_due_date, applied_minor, effective_at,
        'score' as match_pass, match_confidence
    from scored_matches
    where decision = 'applied'
    union all
    select
        payment_id, gateway, currency, invoice_source, invoice_id, invoice_number,
        payment_due_date, applied_minor, effective_at,
        'exact_sum' as match_pass, match_confidence
    from exact_sum_matches
),

final as (
    select * from passes
    where applied_minor > 0
)

select * from final
