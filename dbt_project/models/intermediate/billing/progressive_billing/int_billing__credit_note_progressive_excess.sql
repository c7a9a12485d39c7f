-- Credit notes for what a period's threshold invoices billed beyond the period-end invoice's
-- matching charge fees (pricing.md 4, 7), on the latest threshold invoice of the period, like
-- Lago's CreditNotes::CreateFromProgressiveBillingInvoice (reason other, credit_amount_cents =
-- the excess: a credit to the customer's balance, not a refund, so it needs no payment).
-- The excess is already net of coupons (int_billing__invoice_progressive_credits
-- counts a threshold invoice at its net, fees − coupons), so it is the note's sub-total; it is
-- spread over that invoice's fees pro rata to their net amounts only to take each fee's
-- taxes, rounded per tax (pricing.md 7).
with progressive_credits as (
    select * from {{ ref('int_billing__invoice_progressive_credits') }}
),

invoice_fee_amounts as (
    select * from {{ ref('int_billing__invoice_fee_amounts') }}
),

tax_fee_lines as (
    select * from {{ ref('int_billing__tax_fee_lines') }}
),

credited_fees as (
    {{ creditable_fee_amounts('invoice_fee_amounts') }}
),

excess as (
    select *
    from progressive_credits
    where excess_credit_note_amount_minor > 0
),

invoice_totals as (
    select invoice_id, sum(amount_minor - precise_coupon_share_minor) as fees_net_minor
    from credited_fees
    group by invoice_id
),

-- part_i = excess × net_i ÷ Σ net, net_i = amount_i − coupon share_i.
fee_parts as (
    select
        excess.progressive_credit_id,
        credited_fees.fee_id,
        {{ exact_divide('excess.excess_credit_note_amount_minor * (credited_fees.amount_minor - credited_fees.precise_coupon_share_minor)', 'invoice_totals.fees_net_minor') }}
            as precise_net_credit_minor
    from excess
    inner join credited_fees on excess.latest_threshold_invoice_id = credited_fees.invoice_id
    inner join invoice_totals on credited_fees.invoice_id = invoice_totals.invoice_id
    where invoice_totals.fees_net_minor > 0
),

per_tax as (
    select
        fee_parts.progressive_credit_id,
        tax_fee_lines.tax_code,
        {{ round_minor('sum(' ~ percent_of('fee_parts.precise_net_credit_minor', 'tax_fee_lines.tax_rate') ~ ')') }} as tax_amount_minor
    from fee_parts
    inner join tax_fee_lines on fee_parts.fee_id = tax_fee_lines.fee_id
    group by fee_parts.progressive_credit_id, tax_fee_lines.tax_code
),

taxes as (
    select progressive_credit_id, sum(tax_amount_minor) as taxes_amount_minor
    from per_tax
    group by progressive_credit_id
),

final as (
    select
        {{ dbt.concat(["'progressive-excess-'", 'excess.progressive_credit_id']) }} as credit_note_id,
        'progressive_billing_excess' as credit_note_source,
        cast(null as {{ dbt.type_string() }}) as credit_note_number,
        excess.external_customer_id,
        excess.billing_entity_code,
        excess.currency,
        'other' as reason,
        excess.latest_threshold_invoice_id as credited_invoice_id,
        cast(null as {{ dbt.type_string() }}) as credited_fee_id,
        'credit' as credit_type,
        excess.issuing_date as available_from_date,
        excess.excess_credit_note_amount_minor,
        cast(excess.excess_credit_note_amount_minor as bigint) as credit_sub_total_amount_minor,
        cast(coalesce(taxes.taxes_amount_minor, 0) as bigint) as taxes_amount_minor,
        cast(excess.excess_credit_note_amount_minor + coalesce(taxes.taxes_amount_minor, 0) as bigint) as total_amount_minor
    from excess
    left join taxes on excess.progressive_credit_id = taxes.progressive_credit_id
)

select * from final
