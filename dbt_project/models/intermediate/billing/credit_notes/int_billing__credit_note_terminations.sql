-- Credit notes for rating's termination/upgrade credits on in-advance plan fees (pricing.md
-- 3, 7): the credit is net of the fee's coupon share (pro rata: credit × share ÷ fee amount
-- removed), then each of the fee's taxes is added, rounded per tax. `on_termination_credit_note`
-- = credit (the default) goes to the customer's balance; refund and offset are recorded but
-- do not credit the balance (refunds go back through the gateway).
with termination_credits as (
    select * from {{ ref('int_billing__termination_credits') }}
),

invoice_fee_amounts as (
    select * from {{ ref('int_billing__invoice_fee_amounts') }}
),

tax_fee_lines as (
    select * from {{ ref('int_billing__tax_fee_lines') }}
),

-- A fee on a finalized invoice keeps the coupon share it was frozen with
-- (macros/invoicing/frozen_state.sql); assembly no longer recomputes it.
credited_fees as (
    {{ creditable_fee_amounts('invoice_fee_amounts') }}
),

net_of_coupons as (
    select
        termination_credits.credit_id,
        termination_credits.fee_id,
        termination_credits.external_customer_id,
        termination_credits.billing_entity_code,
        termination_credits.currency,
        termination_credits.effective_date,
        termination_credits.reason,
        termination_credits.origin,
        coalesce(termination_credits.on_termination_credit_note, 'credit') as credit_type,
        credited_fees.invoice_id as credited_invoice_id,
        termination_credits.precise_credit_amount_minor
            - case
                when coalesce(credited_fees.amount_minor, 0) > 0
                    then {{ exact_divide('termination_credits.precise_credit_amount_minor * credited_fees.precise_coupon_share_minor', 'credited_fees.amount_minor') }}
                else 0
            end as precise_net_credit_minor
    from termination_credits
    left join credited_fees
        on termination_credits.fee_id = credited_fees.fee_id
),

taxes as (
    select
        net_of_coupons.credit_id,
        sum({{ round_minor(percent_of('net_of_coupons.precise_net_credit_minor', 'tax_fee_lines.tax_rate')) }}) as taxes_amount_minor
    from net_of_coupons
    inner join tax_fee_lines
        on net_of_coupons.fee_id = tax_fee_lines.fee_id
    group by net_of_coupons.credit_id
),

final as (
    select
        net_of_coupons.credit_id as credit_note_id,
        'termination' as credit_note_source,
        cast(null as {{ dbt.type_string() }}) as credit_note_number,
        net_of_coupons.external_customer_id,
        net_of_coupons.billing_entity_code,
        net_of_coupons.currency,
        net_of_coupons.reason,
        net_of_coupons.credited_invoice_id,
        net_of_coupons.fee_id as credited_fee_id,
        net_of_coupons.credit_type,
        net_of_coupons.effective_date as available_from_date,
        {{ round_minor('net_of_coupons.precise_net_credit_minor') }} as credit_sub_total_amount_minor,
        cast(coalesce(taxes.taxes_amount_minor, 0) as bigint) as taxes_amount_minor,
        cast({{ round_minor('net_of_coupons.precise_net_credit_minor') }} + coalesce(taxes.taxes_amount_minor, 0) as bigint) as total_amount_minor,
        net_of_coupons.origin
    from net_of_coupons
    left join taxes on net_of_coupons.credit_id = taxes.credit_id
)

select * from final
