-- One row per payment × invoice a person should review (collections.md 4.2, 9): pass 2 scored
-- the pair between cash_application.suggest_score (0.60) and auto_score (0.80), or above it but
-- less than 0.05 ahead of the next candidate (ambiguous). Never applied: a payment that a later
-- pass (exact sum) applied is not listed.
with scored_matches as (
    select * from {{ ref('int_collections__scored_matches') }}
),

applications as (
    select * from {{ ref('int_collections__matched_applications') }}
),

invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

final as (
    select
        scored_matches.payment_id,
        scored_matches.gateway,
        scored_matches.invoice_source,
        scored_matches.invoice_id,
        scored_matches.invoice_number,
        invoices.external_customer_id,
        scored_matches.currency,
        scored_matches.paid_at,
        cast(scored_matches.payment_amount_minor as bigint) as payment_amount_minor,
        cast(scored_matches.remaining_due_minor as bigint) as invoice_due_minor,
        scored_matches.payment_due_date,
        cast(scored_matches.days_from_due as integer) as days_from_due,
        cast(scored_matches.match_confidence as decimal(5, 2)) as match_confidence,
        cast(scored_matches.score_rank as integer) as score_rank,
        case
            when scored_matches.next_score_300 is not null
                and scored_matches.score_300 - scored_matches.next_score_300 < 15
                then 'ambiguous'
            else 'below_auto_score'
        end as suggestion_reason
    from scored_matches
    left join invoices
        on scored_matches.invoice_source = invoices.invoice_source
        and scored_matches.invoice_id = invoices.invoice_id
    where scored_matches.decision = 'suggested'
        and scored_matches.payment_id not in (select payment_id from applications)
)

select * from final
