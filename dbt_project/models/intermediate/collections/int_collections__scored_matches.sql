-- Pass 2 of cash application (collections.md 4.2, 9): one row per payment × candidate invoice
-- for payments whose reference named no receivable invoice. Candidates: the customer's (gateway
-- customer id = provider_customer_id) open invoices in the payment's currency, not voided,
-- finalized by the payment date + 3 days, with what is still due after pass 1.
-- Score = 0.5 + (0.3 if amount = due; 0.15 if amount < due; else 0)
--       + 0.2 × max(0, 1 − |payment date − due date| ÷ 30),
-- kept exact as an integer in 1/300ths (score_300 = 150 + 90|45|0 + 2 × max(0, 30 − days)).
-- The best candidate is applied when its score ≥ cash_application.auto_score (0.80) and ≥ 0.05
-- above the next; otherwise every candidate ≥ cash_application.suggest_score (0.60) is
-- `suggested` (listed for a person, never applied). Settings from reference/settings, else
-- those defaults. An overpayment scores ≤ 0.70, so it is only ever suggested. Payments applied to
-- one invoice are served in payment-time order (macro applied_within_due).
with money_events as (
    select * from {{ ref('int_collections__money_events') }}
),

invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

reference_matches as (
    select * from {{ ref('int_collections__reference_matches') }}
),

settings as (
    select * from {{ ref('stg_reference__settings') }}
),

thresholds as (
    select
        coalesce(max(case when key = 'cash_application.auto_score' then cast(value as decimal(5, 2)) end), 0.80)
            * 300 as auto_score_300,
        coalesce(max(case when key = 'cash_application.suggest_score' then cast(value as decimal(5, 2)) end), 0.60)
            * 300 as suggest_score_300
    from settings
),

unmatched_payments as (
    select * from money_events
    where kind = 'payment'
        and money_event_id not in (select payment_id from reference_matches)
),

pass_one_applied as (
    select invoice_source, invoice_id, sum(applied_minor) as applied_minor
    from reference_matches
    group by invoice_source, invoice_id
),

open_invoices as (
    select
        invoices.*,
        invoices.total_amount_minor - invoices.offset_amount_minor
            - coalesce(pass_one_applied.applied_minor, 0) as remaining_due_minor
    from invoices
    left join pass_one_applied
        on invoices.invoice_source = pass_one_applied.invoice_source
        and invoices.invoice_id = pass_one_applied.invoice_id
    where invoices.voided_at is null
        and invoices.provider_customer_id is not null
),

candidates as (
    select
        unmatched_payments.money_event_id as payment_id,
        unmatched_payments.gateway,
        unmatched_payments.occurred_at as paid_at,
        unmatched_payments.currency,
        unmatched_payments.amount_minor as payment_amount_minor,
        open_invoices.invoice_source,
        open_invoices.invoice_id,
        open_invoices.invoice_number,
        open_invoices.payment_due_date,
        open_invoices.finalized_at,
        open_invoices.remaining_due_minor,
        abs({{ dbt.datediff('open_invoices.payment_due_date', 'cast(unmatched_payments.occurred_at as date)', 'day') }})
            as days_from_due
    from unmatched_payments
    inner join open_invoices
        on unmatched_payments.customer_reference = open_invoices.provider_customer_id
        and unmatched_payments.currency = open_invoices.currency
    where open_invoices.remaining_due_minor > 0
        and cast(open_invoices.finalized_at as date)
            <= {{ dbt.dateadd('day', 3, 'cast(unmatched_payments.occurred_at as date)') }}
),

scored as (
    select
        *,
        150
        + case
            when payment_amount_minor = remaining_due_minor then 90
            when payment_amount_minor < remaining_due_minor then 45
            else 0
        end
        + 2 * greatest(0, 30 - days_from_due) as score_300
    from candidates
),

ranked as (
    select
        *,
        row_number() over (
            partition by payment_id order by score_300 desc, payment_due_date, invoice_number, invoice_id
        ) as score_rank,
        lead(score_300) over (
            partition by payment_id order by score_300 desc, payment_due_date, invoice_number, invoice_id
        ) as next_score_300
    from scored
),

decided as (
    select
        ranked.*,
        max(case
            when ranked.score_rank = 1
                and ranked.score_300 >= thresholds.auto_score_300
                and (ranked.next_score_300 is null or ranked.score_300 - ranked.next_score_300 >= 15)
                then 1 else 0
        end) over (partition by ranked.payment_id) = 1 as is_payment_auto_applied,
        thresholds.suggest_score_300
    from ranked
    cross join thresholds
),

outcomes as (
    select
        *,
        case
            when is_payment_auto_applied and score_rank = 1 then 'applied'
            when not is_payment_auto_applied and score_300 >= suggest_score_300 then 'suggested'
            else 'not_chosen'
        end as decision,
        case
            when is_payment_auto_applied and score_rank = 1 then least(payment_amount_minor, remaining_due_minor)
            else 0
        end as claimed_minor
    from decided
),

final as (
    select
        payment_id,
        gateway,
        paid_at,
        currency,
        payment_amount_minor,
        invoice_source,
        invoice_id,
        invoice_number,
        payment_due_date,
        finalized_at,
        remaining_due_minor,
        days_from_due,
        score_300,
        cast({{ exact_divide('score_300', 300) }} as decimal(5, 2)) as match_confidence,
        score_rank,
        next_score_300,
        decision,
        cast({{ applied_within_due('claimed_minor', 'remaining_due_minor',
            ['invoice_source', 'invoice_id'], ['paid_at', 'payment_id']) }} as bigint) as applied_minor,
        greatest(finalized_at, paid_at) as effective_at
    from outcomes
)

select * from final
