-- Gateway fee rate (collections.md §5, issue #12 item 4): fees ÷ gross of the payout lines by
-- gateway × payment method × currency × month of the payout's arrival. Lines with no payment
-- method (Adyen Fee rows, Stripe refunds and disputes) form their own row with no gross, no rate.
with lines as (
    select * from {{ ref('int_collections__payout_lines') }}
),

payouts as (
    select * from {{ ref('int_collections__payouts') }}
),

dated_lines as (
    select
        lines.*,
        cast({{ dbt.date_trunc('month', 'payouts.arrival_date') }} as date) as arrival_month
    from lines
    left join payouts
        on lines.gateway = payouts.gateway
        and lines.payout_id = payouts.payout_id
),

totals as (
    select
        gateway,
        payment_method,
        currency,
        arrival_month,
        {{ round_minor("sum(case when line_class = 'gross' then amount_minor else 0 end)") }} as gross_amount_minor,
        {{ round_minor("sum(fee_amount_minor)") }} as fee_amount_minor
    from dated_lines
    group by gateway, payment_method, currency, arrival_month
),

final as (
    select
        gateway,
        payment_method,
        currency,
        arrival_month,
        gross_amount_minor,
        fee_amount_minor,
        case when gross_amount_minor > 0
            then {{ exact_divide('fee_amount_minor', 'gross_amount_minor') }} end as fee_rate
    from totals
)

select * from final
