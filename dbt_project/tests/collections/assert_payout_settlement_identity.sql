{#- Shown in Dagster as an asset check on fct_payout_settlements. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_payout_settlements'}}}) }}
-- collections.md §5: on every payout, gross − refunds − chargebacks − fees + adjustments = net =
-- payout amount, to the minor unit, unless the payout is failed (not cash) or unreconcilable (no
-- rows listed, or no payout landed for its rows). Recomputed from the lines, not from the status.
with settlements as (
    select * from {{ ref('fct_payout_settlements') }}
),

lines as (
    select
        gateway,
        payout_id,
        count(*) as line_count
    from {{ ref('fct_payout_lines') }}
    group by gateway, payout_id
)

select
    settlements.gateway,
    settlements.payout_id,
    settlements.reconciliation_status,
    settlements.gross_amount_minor - settlements.refund_amount_minor - settlements.chargeback_amount_minor
        - settlements.fee_amount_minor + settlements.adjustment_amount_minor as components_amount_minor,
    settlements.net_amount_minor,
    settlements.payout_amount_minor
from settlements
left join lines
    on settlements.gateway = lines.gateway
    and settlements.payout_id = lines.payout_id
where not (
    settlements.reconciliation_status = 'failed'
    or (
        settlements.reconciliation_status = 'unreconcilable'
        and (lines.line_count is null or settlements.payout_amount_minor is null)
    )
    or (
        settlements.gross_amount_minor - settlements.refund_amount_minor - settlements.chargeback_amount_minor
            - settlements.fee_amount_minor + settlements.adjustment_amount_minor = settlements.net_amount_minor
        and settlements.net_amount_minor = settlements.payout_amount_minor
    )
)
