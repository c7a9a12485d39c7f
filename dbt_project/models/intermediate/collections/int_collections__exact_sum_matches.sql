-- Pass 3 of cash application (collections.md 4.2, 9): one row per payment × invoice it pays
-- when its amount equals the sum of what is still due (after passes 1 and 2) on the customer's
-- 2 to 5 oldest open invoices in its currency (oldest due date first, then number; the
-- candidates of pass 2). Confidence 0.85. Runs over the payments pass 2 did not apply,
-- suggested ones included: an exact sum wins over a suggestion. Two payments matching the same
-- invoices are served in payment-time order (macro applied_within_due); what the later one
-- cannot get stays unapplied.
with scored_matches as (
    select * from {{ ref('int_collections__scored_matches') }}
),

pass_two_applied as (
    select invoice_source, invoice_id, sum(applied_minor) as applied_minor
    from scored_matches
    group by invoice_source, invoice_id
),

open_candidates as (
    select
        scored_matches.payment_id,
        scored_matches.gateway,
        scored_matches.paid_at,
        scored_matches.currency,
        scored_matches.payment_amount_minor,
        scored_matches.invoice_source,
        scored_matches.invoice_id,
        scored_matches.invoice_number,
        scored_matches.payment_due_date,
        scored_matches.finalized_at,
        scored_matches.remaining_due_minor - pass_two_applied.applied_minor as remaining_due_minor
    from scored_matches
    inner join pass_two_applied
        on scored_matches.invoice_source = pass_two_applied.invoice_source
        and scored_matches.invoice_id = pass_two_applied.invoice_id
    where scored_matches.payment_id not in (
        select payment_id from scored_matches where decision = 'applied'
    )
),

oldest as (
    select
        *,
        row_number() over (
            partition by payment_id order by payment_due_date, invoice_number, invoice_id
        ) as age_rank
    from open_candidates
    where remaining_due_minor > 0
),

prefix_sums as (
    select
        *,
        sum(remaining_due_minor) over (
            partition by payment_id order by age_rank rows between unbounded preceding and current row
        ) as prefix_due_minor
    from oldest
    where age_rank <= 5
),

matched_prefix as (
    select payment_id, age_rank as invoice_count
    from prefix_sums
    where age_rank between 2 and 5 and prefix_due_minor = payment_amount_minor
),

final as (
    select
        prefix_sums.payment_id,
        prefix_sums.gateway,
        prefix_sums.paid_at,
        prefix_sums.currency,
        prefix_sums.payment_amount_minor,
        prefix_sums.invoice_source,
        prefix_sums.invoice_id,
        prefix_sums.invoice_number,
        prefix_sums.payment_due_date,
        prefix_sums.finalized_at,
        prefix_sums.remaining_due_minor,
        matched_prefix.invoice_count,
        cast(0.85 as decimal(5, 2)) as match_confidence,
        cast({{ applied_within_due('prefix_sums.remaining_due_minor', 'prefix_sums.remaining_due_minor',
            ['prefix_sums.invoice_source', 'prefix_sums.invoice_id'],
            ['prefix_sums.paid_at', 'prefix_sums.payment_id']) }} as bigint) as applied_minor,
        greatest(prefix_sums.finalized_at, prefix_sums.paid_at) as effective_at
    from prefix_sums
    inner join matched_prefix
        on prefix_sums.payment_id = matched_prefix.payment_id
        and prefix_sums.age_rank <= matched_prefix.invoice_count
)

select * from final
