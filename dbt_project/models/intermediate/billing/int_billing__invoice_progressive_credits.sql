-- What each period-end invoice deducts for the period's threshold invoices (pricing.md 4,
-- 5.2), once that invoice is issued: rating's credit (what the threshold invoices billed,
-- capped at the period's charge fees), capped again at the matching fees actually on the
-- invoice (invoiceable in-arrears charge fees of the same charge period), so the deduction
-- can be spread over them. What the threshold invoices billed beyond it is refunded by a
-- credit note on the latest threshold invoice of the period (Lago's
-- CreditNotes::CreateFromProgressiveBillingInvoice).
with progressive_credits as (
    select * from {{ ref('int_billing__progressive_billing_credits') }}
),

progressive_fees as (
    select * from {{ ref('int_billing__progressive_billing_fees') }}
),

fees as (
    select * from {{ ref('int_billing__fees') }}
),

charge_fees as (
    select * from {{ ref('int_billing__charge_fees') }}
),

charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

-- The fees the deduction is spread over (int_billing__invoice_fees applies the spread).
matching as (
    select charge_period_id, sum(amount_minor) as matching_fees_amount_minor
    from ({{ progressive_matching_fees('fees', 'charge_fees') }}) as matching_fees
    group by charge_period_id
),

-- A join, not a correlated subquery, so Spark can run it too.
latest_threshold as (
    select
        progressive_fees.charge_period_id,
        max({{ progressive_invoice_id('progressive_fees.invoice_group_key', 'progressive_fees.external_subscription_id') }}) as latest_threshold_invoice_id
    from progressive_fees
    inner join (
        select charge_period_id, max(issuing_date) as latest_issuing_date
        from progressive_fees
        group by charge_period_id
    ) as latest
        on progressive_fees.charge_period_id = latest.charge_period_id
        and progressive_fees.issuing_date = latest.latest_issuing_date
    group by progressive_fees.charge_period_id
),

applied as (
    select
        progressive_credits.progressive_credit_id,
        progressive_credits.invoice_group_key as invoice_id,
        progressive_credits.charge_period_id,
        progressive_credits.external_customer_id,
        progressive_credits.external_subscription_id,
        progressive_credits.billing_entity_code,
        progressive_credits.currency,
        progressive_credits.issuing_date,
        latest_threshold.latest_threshold_invoice_id,
        progressive_credits.progressive_billed_minor,
        coalesce(matching.matching_fees_amount_minor, 0) as matching_fees_amount_minor,
        case
            when progressive_credits.credit_amount_minor > coalesce(matching.matching_fees_amount_minor, 0)
                then coalesce(matching.matching_fees_amount_minor, 0)
            else progressive_credits.credit_amount_minor
        end as credit_amount_minor
    from progressive_credits
    left join matching on progressive_credits.charge_period_id = matching.charge_period_id
    left join latest_threshold on progressive_credits.charge_period_id = latest_threshold.charge_period_id
    inner join charge_periods on progressive_credits.charge_period_id = charge_periods.charge_period_id
    -- Only a period-end invoice that exists can deduct (and only then is an excess known):
    -- issued by rating's "now" in the subscription's timezone, as int_billing__fees issues.
    where progressive_credits.issuing_date <= charge_periods.as_of_date
),

final as (
    select
        progressive_credit_id,
        invoice_id,
        charge_period_id,
        external_customer_id,
        external_subscription_id,
        billing_entity_code,
        currency,
        issuing_date,
        latest_threshold_invoice_id,
        cast(progressive_billed_minor as bigint) as progressive_billed_minor,
        cast(matching_fees_amount_minor as bigint) as matching_fees_amount_minor,
        cast(credit_amount_minor as bigint) as credit_amount_minor,
        cast(progressive_billed_minor - credit_amount_minor as bigint) as excess_credit_note_amount_minor
    from applied
)

select * from final
