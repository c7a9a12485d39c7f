-- The rows behind each payout with their settlement class (collections.md §5): one row per gateway
-- row (Stripe balance transaction, Adyen settlement row, GoCardless payout item), exact parts in
-- minor units; fct_payout_settlements adds them up per payout.
with lines as (
    select * from {{ ref('int_collections__payout_lines') }}
),

payouts as (
    select * from {{ ref('int_collections__payouts') }}
),

final as (
    select
        lines.gateway,
        lines.payout_id,
        lines.gateway_line_id,
        lines.line_type,
        lines.line_class,
        lines.currency,
        lines.payment_method,
        lines.payment_id,
        lines.amount_minor,
        lines.fee_amount_minor,
        lines.net_amount_minor,
        lines.is_conversion_consistent,
        payouts.arrival_date
    from lines
    left join payouts
        on lines.gateway = payouts.gateway
        and lines.payout_id = payouts.payout_id
)

select * from final
