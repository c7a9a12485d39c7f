-- What each period-end invoice deducts for the period's threshold invoices (pricing.md 4,
-- 5.2, 8), once that invoice is issued: what the threshold invoices billed, before taxes,
-- capped at the period's charge fees (rating's cap) and again at the matching fees actually
-- on the invoice (invoiceable in-arrears charge fees of the same charge period), so the
-- deduction can be spread over them. A finalized threshold invoice counts as it was frozen
-- (its net: fees − coupons), never as rating recomputes it today — late events or a corrected
-- catalog must not change what is deducted for an invoice that can no longer change. A draft
-- one counts as rating computes it now (it can still change; its coupons are only known
-- downstream of this model). What was billed beyond the deduction is refunded by a credit
-- note on the latest threshold invoice of the period (Lago's
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

-- Frozen by earlier runs (macros/invoicing/frozen_state.sql), read without a ref: the marts
-- sit downstream of this model.
frozen_invoices as (
    {{ frozen_rows('fct_finalized_invoices', {'invoice_id': dbt.type_string(), 'invoice_type': dbt.type_string(), 'issuing_date': 'date', 'sub_total_excluding_taxes_amount_minor': 'bigint'}) }}
),

frozen_fees as (
    {{ frozen_rows('fct_finalized_invoice_fees', {'invoice_id': dbt.type_string(), 'external_subscription_id': dbt.type_string(), 'service_start_date': 'date'}) }}
),

-- The fees the deduction is spread over (int_billing__invoice_fees applies the spread).
matching as (
    select charge_period_id, sum(amount_minor) as matching_fees_amount_minor
    from ({{ progressive_matching_fees('fees', 'charge_fees') }}) as matching_fees
    group by charge_period_id
),

-- Threshold invoices as rating computes them now: only invoiceable fees are billed
-- (int_billing__invoice_fees).
recomputed_threshold_invoices as (
    select
        charge_period_id,
        {{ progressive_invoice_id('invoice_group_key', 'external_subscription_id') }} as threshold_invoice_id,
        issuing_date,
        sum(amount_minor) as billed_minor
    from progressive_fees
    where is_invoiceable
    group by charge_period_id, {{ progressive_invoice_id('invoice_group_key', 'external_subscription_id') }}, issuing_date
),

-- A threshold invoice belongs to the charge period its fees serve: the same subscription and
-- service start (threshold and in-arrears charge fees run from the charge period's start).
-- Both sources, so a frozen threshold invoice still finds its period when rating no longer
-- sees a crossing in it.
period_keys as (
    select charge_period_id, external_subscription_id, service_start_date
    from progressive_fees
    union
    select charge_fees.charge_period_id, fees.external_subscription_id, fees.service_start_date
    from fees
    inner join charge_fees on fees.fee_id = charge_fees.fee_id
),

frozen_threshold_invoices as (
    select
        period_keys.charge_period_id,
        frozen_invoices.invoice_id as threshold_invoice_id,
        frozen_invoices.issuing_date,
        frozen_invoices.sub_total_excluding_taxes_amount_minor as billed_minor
    from frozen_invoices
    inner join (
        select distinct invoice_id, external_subscription_id, service_start_date from frozen_fees
    ) as frozen_invoice_keys
        on frozen_invoices.invoice_id = frozen_invoice_keys.invoice_id
    inner join period_keys
        on frozen_invoice_keys.external_subscription_id = period_keys.external_subscription_id
        and frozen_invoice_keys.service_start_date = period_keys.service_start_date
    where frozen_invoices.invoice_type = 'progressive_billing'
),

threshold_invoices as (
    select charge_period_id, threshold_invoice_id, issuing_date, billed_minor
    from frozen_threshold_invoices
    union all
    select charge_period_id, threshold_invoice_id, issuing_date, billed_minor
    from recomputed_threshold_invoices
    where not exists (
        select 1 from frozen_threshold_invoices
        where frozen_threshold_invoices.threshold_invoice_id = recomputed_threshold_invoices.threshold_invoice_id
    )
),

billed as (
    select charge_period_id, sum(billed_minor) as progressive_billed_minor
    from threshold_invoices
    group by charge_period_id
),

-- A join, not a correlated subquery, so Spark can run it too.
latest_threshold as (
    select
        threshold_invoices.charge_period_id,
        max(threshold_invoices.threshold_invoice_id) as latest_threshold_invoice_id
    from threshold_invoices
    inner join (
        select charge_period_id, max(issuing_date) as latest_issuing_date
        from threshold_invoices
        group by charge_period_id
    ) as latest
        on threshold_invoices.charge_period_id = latest.charge_period_id
        and threshold_invoices.issuing_date = latest.latest_issuing_date
    group by threshold_invoices.charge_period_id
),

capped as (
    select
        progressive_credits.*,
        coalesce(billed.progressive_billed_minor, 0) as billed_minor,
        coalesce(matching.matching_fees_amount_minor, 0) as matching_minor,
        latest_threshold.latest_threshold_invoice_id as latest_invoice_id
    from progressive_credits
    left join billed on progressive_credits.charge_period_id = billed.charge_period_id
    left join matching on progressive_credits.charge_period_id = matching.charge_period_id
    left join latest_threshold on progressive_credits.charge_period_id = latest_threshold.charge_period_id
),

applied as (
    select
        capped.progressive_credit_id,
        capped.invoice_group_key as invoice_id,
        capped.charge_period_id,
        capped.external_customer_id,
        capped.external_subscription_id,
        capped.billing_entity_code,
        capped.currency,
        capped.issuing_date,
        capped.latest_invoice_id as latest_threshold_invoice_id,
        capped.billed_minor as progressive_billed_minor,
        capped.matching_minor as matching_fees_amount_minor,
        case
            when capped.billed_minor <= capped.charge_fees_minor and capped.billed_minor <= capped.matching_minor then capped.billed_minor
            when capped.charge_fees_minor <= capped.matching_minor then capped.charge_fees_minor
            else capped.matching_minor
        end as credit_amount_minor
    from capped
    inner join charge_periods on capped.charge_period_id = charge_periods.charge_period_id
    -- Only a period-end invoice that exists can deduct (and only then is an excess known):
    -- issued by rating's "now" in the subscription's timezone, as int_billing__fees issues.
    where capped.issuing_date <= charge_periods.as_of_date
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
