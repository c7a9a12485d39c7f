-- Settlement per payout (collections.md §5): what the payout's rows add up to against what reached
-- the bank. gross − refunds − chargebacks − fees + adjustments = net = payout_amount.
-- Each total is summed exactly over the lines, then rounded once (half away from zero).
with payouts as (
    select * from {{ ref('int_collections__payouts') }}
),

lines as (
    select * from {{ ref('int_collections__payout_lines') }}
),

line_totals as (
    select
        gateway,
        payout_id,
        min(currency) as line_currency,
        count(*) as line_count,
        {{ round_minor("sum(case when line_class = 'gross' then amount_minor else 0 end)") }} as gross_amount_minor,
        {{ round_minor("-sum(case when line_class = 'refund' then amount_minor else 0 end)") }} as refund_amount_minor,
        {{ round_minor("-sum(case when line_class = 'chargeback' then amount_minor else 0 end)") }} as chargeback_amount_minor,
        {{ round_minor("sum(fee_amount_minor)") }} as fee_amount_minor,
        -- fee lines carry amount 0; counted here all the same so that no amount is left out
        {{ round_minor("sum(case when line_class in ('adjustment', 'fee') then amount_minor else 0 end)") }} as adjustment_amount_minor,
        {{ round_minor("sum(net_amount_minor)") }} as stated_net_amount_minor,
        sum(case when is_conversion_consistent = false then 1 else 0 end) as conversion_mismatch_count,
        count(is_conversion_consistent) as conversion_checked_count
    from lines
    group by gateway, payout_id
),

joined as (
    select
        coalesce(payouts.gateway, line_totals.gateway) as gateway,
        coalesce(payouts.payout_id, line_totals.payout_id) as payout_id,
        coalesce(payouts.currency, line_totals.line_currency) as currency,
        payouts.arrival_date,
        payouts.status as payout_status,
        coalesce(payouts.is_failed, false) as is_failed,
        payouts.payout_id is not null as is_payout_landed,
        coalesce(line_totals.line_count, 0) as line_count,
        coalesce(line_totals.gross_amount_minor, 0) as gross_amount_minor,
        coalesce(line_totals.refund_amount_minor, 0) as refund_amount_minor,
        coalesce(line_totals.chargeback_amount_minor, 0) as chargeback_amount_minor,
        coalesce(line_totals.fee_amount_minor, 0) as fee_amount_minor,
        coalesce(line_totals.adjustment_amount_minor, 0) as adjustment_amount_minor,
        coalesce(line_totals.stated_net_amount_minor, 0) as stated_net_amount_minor,
        payouts.payout_amount_minor,
        case when line_totals.conversion_checked_count > 0
            then line_totals.conversion_mismatch_count > 0 end as has_conversion_mismatch
    from payouts
    full outer join line_totals
        on payouts.gateway = line_totals.gateway
        and payouts.payout_id = line_totals.payout_id
),

-- GoCardless items state no net of their own: net is the identity over the rounded totals (its
-- fees rounded once, as GoCardless's deducted_fees); Stripe and Adyen state a net per row.
netted as (
    select
        joined.*,
        gross_amount_minor - refund_amount_minor - chargeback_amount_minor - fee_amount_minor
            + adjustment_amount_minor as components_amount_minor,
        case when gateway = 'gocardless'
            then gross_amount_minor - refund_amount_minor - chargeback_amount_minor - fee_amount_minor
                + adjustment_amount_minor
            else stated_net_amount_minor
        end as net_amount_minor
    from joined
),

final as (
    select
        gateway,
        payout_id,
        currency,
        arrival_date,
        payout_status,
        line_count,
        gross_amount_minor,
        refund_amount_minor,
        chargeback_amount_minor,
        fee_amount_minor,
        adjustment_amount_minor,
        net_amount_minor,
        payout_amount_minor,
        components_amount_minor - net_amount_minor as identity_difference_amount_minor,
        payout_amount_minor - net_amount_minor as difference_amount_minor,
        case
            when is_failed then 'failed'
            when line_count = 0 or not is_payout_landed then 'unreconcilable'
            when components_amount_minor = net_amount_minor and payout_amount_minor = net_amount_minor
                then 'reconciled'
            else 'difference'
        end as reconciliation_status,
        case
            when is_failed then 'payout failed: not cash'
            when line_count = 0 and gateway = 'stripe' then 'no balance transactions listed (manual payout)'
            when line_count = 0 then 'no rows listed for the payout'
            when not is_payout_landed and gateway = 'adyen' then 'batch has no MerchantPayout row'
            when not is_payout_landed then 'payout not landed'
        end as reconciliation_note,
        has_conversion_mismatch
    from netted
)

select * from final
