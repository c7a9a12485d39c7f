-- subscription_period_not_invoiced (docs/assurance.md §3, rule `uninvoiced_periods`): a plan
-- fee revhouse's rating says is owed (int_billing__subscription_fees: periods from the start,
-- none while a trial covers them, full or prorated per pricing.md 3, in advance or in arrears)
-- whose issuing date is on or before the report date (a fee in advance is due on its period's
-- first day, so a running period counts; a fee in arrears on the day after its period ends), with no plan-fee line under review
-- on the same subscription (and plan, when the line names one) whose service dates overlap the
-- fee's days. Overlap, not equality, so a period split differently by the incumbent (an
-- upgrade's closing fee on another invoice) is not flagged: only a period nobody billed is.
-- Judged only: fees of days the subscription was active (not after its termination: an
-- in-advance plan cancelled during its trial owes nothing), issued on or after the first
-- invoice under review and serving days on or after the first day any line under review
-- bills (the history before was never imported: December's arrears fee issued on 1 January
-- is not in a window whose first invoices bill January). Amount = the plan fee that should
-- have been billed, as revhouse's rating computes it (the billing model is reused, not
-- recomputed: this check is about a missing line, the proration check about its amount).
-- When no invoice under review carries any line of the subscription issued on the fee's
-- issuing date (the whole invoice is missing), the other fees rating issues for the
-- subscription that day (usage charges, true-ups: invoiceable, above zero) are added to the
-- finding of the day's first plan fee: one finding per missing invoice, and rule usage_billing
-- leaves those usage fees to this check.
with fees as (
    select * from {{ ref('int_billing__subscription_fees') }}
),

periods as (
    select * from {{ ref('int_billing__subscription_periods') }}
),

lines as (
    select * from {{ ref('int_assurance__review_invoice_lines') }}
    where fee_type = 'subscription'
),

invoices as (
    select * from {{ ref('int_assurance__review_invoices') }}
),

all_fees as (
    select * from {{ ref('int_billing__fees') }}
),

all_lines as (
    select * from {{ ref('int_assurance__review_invoice_lines') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

horizon as (
    select
        (select min(issuing_date) from invoices) as first_issuing_date,
        (select min(service_from_date) from lines) as first_service_date
),

due as (
    select fees.*
    from fees
    inner join periods on fees.subscription_period_id = periods.subscription_period_id
    cross join report_date
    cross join horizon
    where fees.amount_minor > 0
        and fees.issuing_date <= report_date.report_date
        and fees.issuing_date >= horizon.first_issuing_date
        and fees.service_start_date >= horizon.first_service_date
        and (periods.termination_date is null or fees.service_start_date <= periods.termination_date)
),

covered as (
    select distinct due.fee_id
    from due
    inner join lines
        on due.external_subscription_id = lines.external_subscription_id
        and (lines.plan_code is null or lines.plan_code = due.plan_code)
        and lines.service_from_date <= due.service_end_date
        and lines.service_to_date >= due.service_start_date
),

uncovered as (
    select due.*
    from due
    left join covered on due.fee_id = covered.fee_id
    where covered.fee_id is null
),

-- the subscription's whole invoice of that issuing date is missing: attach the day's other fees
missing_invoice_fees as (
    select
        uncovered.fee_id,
        count(*) as fees_count,
        sum(all_fees.amount_minor) as amount_minor
    from uncovered
    inner join all_fees
        on uncovered.external_subscription_id = all_fees.external_subscription_id
        and uncovered.issuing_date = all_fees.issuing_date
        and all_fees.fee_type <> 'subscription'
        and all_fees.is_invoiceable
        and all_fees.amount_minor > 0
    where uncovered.fee_id = (
            select min(first_fee.fee_id) from uncovered as first_fee
            where first_fee.external_subscription_id = uncovered.external_subscription_id
                and first_fee.issuing_date = uncovered.issuing_date
        )
        and not exists (
            select 1 from all_lines
            inner join invoices on all_lines.invoice_id = invoices.invoice_id
            where all_lines.external_subscription_id = uncovered.external_subscription_id
                and invoices.issuing_date = uncovered.issuing_date
        )
    group by uncovered.fee_id
),

findings as (
    select
        uncovered.*,
        uncovered.amount_minor + coalesce(missing_invoice_fees.amount_minor, 0) as at_risk_minor,
        coalesce(missing_invoice_fees.fees_count, 0) as other_fees_count
    from uncovered
    left join missing_invoice_fees on uncovered.fee_id = missing_invoice_fees.fee_id
),

final as (
    select
        {{ assurance_finding_id("'subscription_period_not_invoiced'", 'findings.fee_id') }} as finding_id,
        'uninvoiced_periods' as rule_code,
        'subscription_period_not_invoiced' as reason_code,
        'high' as severity,
        'rule' as source,
        findings.external_customer_id,
        findings.external_subscription_id,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        cast(null as {{ dbt.type_string() }}) as invoice_number,
        cast(null as {{ dbt.type_boolean() }}) as invoice_is_finalized,
        cast({{ dbt.date_trunc('month', 'findings.service_start_date') }} as date) as period_month,
        findings.currency,
        cast(findings.at_risk_minor as {{ dbt.type_bigint() }}) as amount_at_risk_minor,
        'under_billed' as direction,
        'Subscription ' || findings.external_subscription_id || ' (plan ' || findings.plan_code || ') owes a plan fee of '
            || {{ assurance_amount_text('findings.amount_minor', 'findings.currency_exponent', 'findings.currency') }}
            || ' for ' || cast(findings.service_start_date as {{ dbt.type_string() }}) || '–'
            || cast(findings.service_end_date as {{ dbt.type_string() }})
            || ' (due ' || cast(findings.issuing_date as {{ dbt.type_string() }})
            || ') and no invoice line bills any day of it'
            || case when findings.other_fees_count > 0
                then '; no invoice of that day exists at all, so its ' || cast(findings.other_fees_count as {{ dbt.type_string() }})
                    || ' other fees (usage) are missing too: '
                    || {{ assurance_amount_text('findings.at_risk_minor', 'findings.currency_exponent', 'findings.currency') }} || ' in all'
                else '' end as reason_text,
        'subscription_fees:' || findings.fee_id || '; lago_subscriptions:' || findings.external_subscription_id as evidence,
        report_date.report_date as detected_on
    from findings
    cross join report_date
)

select * from final
