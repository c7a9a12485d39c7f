-- Usage that never became a fee, and usage that came too late for its invoice (docs/assurance.md
-- §3, rule `usage_billing`).
-- usage_not_billed: a subscription × billable metric × charge period that revhouse's rating
-- prices above zero (int_billing__fees: issued by the billing "now", invoiceable, all filters
-- and pricing groups of the metric together) while no invoice under review carries a charge
-- line of that subscription and metric whose service period overlaps it. Only periods the
-- subscription was invoiced for at all (some line of it overlaps the period): a period with no
-- invoice is `subscription_period_not_invoiced` (rule uninvoiced_periods), not counted twice.
-- Likewise a fee whose whole invoice is missing (rating issues a plan fee of the subscription
-- that day and no invoice under review issued that day carries any line of the subscription):
-- rule uninvoiced_periods adds it to that missing invoice's finding.
-- The amount is rating's fee excl. tax, before coupons; the invoice named is the one of that
-- subscription issued on the fee's issuing date (the one that should have carried it), if any.
-- usage_units_mismatch: the incumbent's (`billed`) charge lines of one invoice × subscription ×
-- metric × service period (all its filter and group lines together) bill other units than
-- revhouse's rating meters for exactly that subscription × metric × service period
-- (int_billing__fees: the same aggregation, filters and groups; a minimum's true-up meters no
-- units) and the money differs: amount = |billed − rating's fee of the period| excl. tax,
-- under_billed when fewer units were billed. Lines whose period rating does not have as such
-- (an upgrade split otherwise) are not judged; what a credit note item credits on those lines
-- is taken off the billed side first. revhouse's own invoices are its rating: not compared.
-- The text says "late" only when the data can tell: events of the period ingested after the
-- invoice's issuing date while others of it were ingested by then (one batch load cannot).
-- late_usage: events that landed after the finalized invoice covering them was frozen
-- (fct_late_usage), on an invoice under review; sized by what rating prices the fee at now,
-- with the late events, less what the frozen fee billed (same fee_id): under-billed when above;
-- detected on the billing "now" (settings as_of), never the landing wall clock.
with fees as (
    select * from {{ ref('int_billing__fees') }}
),

review_invoices as (
    select * from {{ ref('int_assurance__review_invoices') }}
),

review_lines as (
    select * from {{ ref('int_assurance__review_invoice_lines') }}
),

plan_fees as (
    select * from {{ ref('int_billing__subscription_fees') }}
),

usage_events as (
    select * from {{ ref('stg_usage__events') }}
),

billed_credit_notes as (
    select * from {{ ref('stg_billed__credit_notes') }}
),

billed_credit_note_items as (
    select * from {{ ref('stg_billed__credit_note_items') }}
),

late_usage as (
    select * from {{ ref('fct_late_usage') }}
),

finalized_fees as (
    select * from {{ ref('fct_finalized_invoice_fees') }}
),

rated_usage as (
    select
        external_customer_id,
        external_subscription_id,
        billable_metric_code,
        service_start_date,
        service_end_date,
        currency,
        max(issuing_date) as issuing_date,
        sum(units) as units,
        sum(events_count) as events_count,
        sum(amount_minor) as amount_minor,
        {{ dbt.listagg("'int_billing__fees:' || fee_id", "'; '", "order by fee_id") }} as evidence
    from fees
    where fee_type = 'charge'
        and is_invoiceable
    group by
        external_customer_id, external_subscription_id, billable_metric_code,
        service_start_date, service_end_date, currency
),

unbilled as (
    select rated_usage.*
    from rated_usage
    where rated_usage.amount_minor > 0
        and not exists (
            select 1 from review_lines
            where review_lines.external_subscription_id = rated_usage.external_subscription_id
                and review_lines.fee_type = 'charge'
                and review_lines.charge_key = rated_usage.billable_metric_code
                and review_lines.service_from_date <= rated_usage.service_end_date
                and review_lines.service_to_date >= rated_usage.service_start_date
        )
        and exists (
            select 1 from review_lines
            where review_lines.external_subscription_id = rated_usage.external_subscription_id
                and review_lines.fee_type <> 'credit'
                and review_lines.service_from_date <= rated_usage.service_end_date
                and review_lines.service_to_date >= rated_usage.service_start_date
        )
        and not (
            exists (
                select 1 from plan_fees
                where plan_fees.external_subscription_id = rated_usage.external_subscription_id
                    and plan_fees.issuing_date = rated_usage.issuing_date
                    and plan_fees.amount_minor > 0
            )
            and not exists (
                select 1 from review_lines
                inner join review_invoices on review_lines.invoice_id = review_invoices.invoice_id
                where review_lines.external_subscription_id = rated_usage.external_subscription_id
                    and review_invoices.issuing_date = rated_usage.issuing_date
            )
        )
),

-- the invoice of the subscription issued when the fee was due
carrier_invoices as (
    select
        unbilled.external_subscription_id,
        unbilled.billable_metric_code,
        unbilled.service_start_date,
        min(review_invoices.invoice_number) as invoice_number
    from unbilled
    inner join review_lines on unbilled.external_subscription_id = review_lines.external_subscription_id
    inner join review_invoices
        on review_lines.invoice_id = review_invoices.invoice_id
        and review_invoices.issuing_date = unbilled.issuing_date
    group by unbilled.external_subscription_id, unbilled.billable_metric_code, unbilled.service_start_date
),

not_billed_findings as (
    select
        'usage_not_billed' as reason_code,
        'high' as severity,
        unbilled.external_customer_id,
        unbilled.external_subscription_id,
        review_invoices.invoice_id,
        review_invoices.invoice_number,
        review_invoices.is_finalized as invoice_is_finalized,
        cast({{ dbt.date_trunc('month', 'unbilled.service_start_date') }} as date) as period_month,
        unbilled.currency,
        cast(unbilled.amount_minor as {{ dbt.type_bigint() }}) as amount_at_risk_minor,
        'under_billed' as direction,
        'Usage of ' || unbilled.billable_metric_code || ' on ' || unbilled.external_subscription_id
            || ' from ' || cast(unbilled.service_start_date as {{ dbt.type_string() }})
            || ' to ' || cast(unbilled.service_end_date as {{ dbt.type_string() }})
            || ' (' || cast(unbilled.events_count as {{ dbt.type_string() }}) || ' events) is priced at '
            || cast(unbilled.amount_minor as {{ dbt.type_string() }}) || ' ' || unbilled.currency
            || ' minor units excl. tax but no invoice carries a charge for it' as reason_text,
        unbilled.evidence
            || case when review_invoices.invoice_id is not null then '; int_assurance__review_invoices:' || review_invoices.invoice_id else '' end
            as evidence,
        coalesce(review_invoices.issuing_date, unbilled.issuing_date) as detected_on,
        unbilled.external_subscription_id || '|' || unbilled.billable_metric_code || '|'
            || cast(unbilled.service_start_date as {{ dbt.type_string() }}) as finding_key
    from unbilled
    left join carrier_invoices
        on unbilled.external_subscription_id = carrier_invoices.external_subscription_id
        and unbilled.billable_metric_code = carrier_invoices.billable_metric_code
        and unbilled.service_start_date = carrier_invoices.service_start_date
    left join review_invoices on carrier_invoices.invoice_number = review_invoices.invoice_number
),

credited_lines as (
    select
        billed_credit_note_items.credited_line_id as line_id,
        sum(billed_credit_note_items.amount_minor) as credited_amount_minor
    from billed_credit_note_items
    inner join billed_credit_notes on billed_credit_note_items.credit_note_id = billed_credit_notes.credit_note_id
    where billed_credit_notes.status not in ('voided', 'void')
        and billed_credit_note_items.credited_line_id is not null
    group by billed_credit_note_items.credited_line_id
),

billed_usage as (
    select
        review_lines.invoice_id,
        review_lines.external_subscription_id,
        review_lines.charge_key as billable_metric_code,
        review_lines.service_from_date,
        review_lines.service_to_date,
        sum(review_lines.units) as billed_units,
        sum(review_lines.amount_minor - coalesce(credited_lines.credited_amount_minor, 0)) as billed_minor,
        {{ dbt.listagg("'int_assurance__review_invoice_lines:' || review_lines.line_id", "'; '", "order by review_lines.line_id") }} as evidence
    from review_lines
    left join credited_lines on review_lines.line_id = credited_lines.line_id
    where review_lines.invoice_source = 'billed'
        and review_lines.fee_type = 'charge'
        and review_lines.units is not null
    group by
        review_lines.invoice_id, review_lines.external_subscription_id, review_lines.charge_key,
        review_lines.service_from_date, review_lines.service_to_date
),

metered_usage as (
    select
        external_subscription_id,
        billable_metric_code,
        service_start_date,
        service_end_date,
        sum(case when fee_type = 'charge' then units else 0 end) as metered_units,
        sum(amount_minor) as rated_minor,
        {{ dbt.listagg("'int_billing__fees:' || fee_id", "'; '", "order by fee_id") }} as evidence
    from fees
    where fee_type in ('charge', 'charge_min_true_up')
        and is_invoiceable
    group by external_subscription_id, billable_metric_code, service_start_date, service_end_date
),

units_mismatches as (
    select
        billed_usage.*,
        metered_usage.metered_units,
        metered_usage.rated_minor,
        metered_usage.evidence as metered_evidence
    from billed_usage
    inner join metered_usage
        on billed_usage.external_subscription_id = metered_usage.external_subscription_id
        and billed_usage.billable_metric_code = metered_usage.billable_metric_code
        and billed_usage.service_from_date = metered_usage.service_start_date
        and billed_usage.service_to_date = metered_usage.service_end_date
    where billed_usage.billed_units <> metered_usage.metered_units
        and billed_usage.billed_minor <> metered_usage.rated_minor
),

-- events of the period ingested after the invoice was issued, when others of it came before
late_arrivals as (
    select
        units_mismatches.invoice_id,
        units_mismatches.external_subscription_id,
        units_mismatches.billable_metric_code,
        units_mismatches.service_from_date,
        sum(case when cast(usage_events._ingested_at as date) > review_invoices.issuing_date then 1 else 0 end) as late_events_count,
        sum(case when cast(usage_events._ingested_at as date) <= review_invoices.issuing_date then 1 else 0 end) as timely_events_count
    from units_mismatches
    inner join review_invoices on units_mismatches.invoice_id = review_invoices.invoice_id
    inner join usage_events
        on units_mismatches.external_subscription_id = usage_events.external_subscription_id
        and units_mismatches.billable_metric_code = usage_events.billable_metric_code
        and usage_events.event_date >= units_mismatches.service_from_date
        and usage_events.event_date <= units_mismatches.service_to_date
    group by
        units_mismatches.invoice_id, units_mismatches.external_subscription_id,
        units_mismatches.billable_metric_code, units_mismatches.service_from_date
),

units_findings as (
    select
        'usage_units_mismatch' as reason_code,
        'high' as severity,
        review_invoices.external_customer_id,
        units_mismatches.external_subscription_id,
        review_invoices.invoice_id,
        review_invoices.invoice_number,
        review_invoices.is_finalized as invoice_is_finalized,
        cast({{ dbt.date_trunc('month', 'units_mismatches.service_from_date') }} as date) as period_month,
        review_invoices.currency,
        cast(case when units_mismatches.billed_minor > units_mismatches.rated_minor
            then units_mismatches.billed_minor - units_mismatches.rated_minor
            else units_mismatches.rated_minor - units_mismatches.billed_minor end as {{ dbt.type_bigint() }}) as amount_at_risk_minor,
        case when units_mismatches.billed_units < units_mismatches.metered_units then 'under_billed' else 'over_billed' end as direction,
        'Invoice ' || coalesce(review_invoices.invoice_number, review_invoices.invoice_id) || ' bills '
            || cast(cast(units_mismatches.billed_units as decimal(38, 4)) as {{ dbt.type_string() }}) || ' units of '
            || units_mismatches.billable_metric_code || ' on ' || units_mismatches.external_subscription_id
            || ' for ' || cast(units_mismatches.service_from_date as {{ dbt.type_string() }}) || '–'
            || cast(units_mismatches.service_to_date as {{ dbt.type_string() }}) || ' but '
            || cast(cast(units_mismatches.metered_units as decimal(38, 4)) as {{ dbt.type_string() }})
            || ' were metered'
            || case when late_arrivals.late_events_count > 0 and late_arrivals.timely_events_count > 0
                then ' (' || cast(late_arrivals.late_events_count as {{ dbt.type_string() }})
                    || ' events arrived late, ingested after the invoice was issued)'
                else '' end
            || ': billed ' || cast(units_mismatches.billed_minor as {{ dbt.type_string() }})
            || ' against ' || cast(units_mismatches.rated_minor as {{ dbt.type_string() }})
            || ' priced on the metered units, ' || review_invoices.currency || ' minor units excl. tax' as reason_text,
        units_mismatches.evidence || '; ' || units_mismatches.metered_evidence as evidence,
        review_invoices.issuing_date as detected_on,
        units_mismatches.invoice_id || '|' || units_mismatches.external_subscription_id || '|'
            || units_mismatches.billable_metric_code || '|'
            || cast(units_mismatches.service_from_date as {{ dbt.type_string() }}) as finding_key
    from units_mismatches
    inner join review_invoices on units_mismatches.invoice_id = review_invoices.invoice_id
    left join late_arrivals
        on units_mismatches.invoice_id = late_arrivals.invoice_id
        and units_mismatches.external_subscription_id = late_arrivals.external_subscription_id
        and units_mismatches.billable_metric_code = late_arrivals.billable_metric_code
        and units_mismatches.service_from_date = late_arrivals.service_from_date
),

late_by_fee as (
    select
        late_usage.fee_id,
        late_usage.invoice_id,
        count(*) as late_events_count
    from late_usage
    group by late_usage.fee_id, late_usage.invoice_id
),

late_findings as (
    select
        'late_usage' as reason_code,
        'medium' as severity,
        review_invoices.external_customer_id,
        finalized_fees.external_subscription_id,
        review_invoices.invoice_id,
        review_invoices.invoice_number,
        review_invoices.is_finalized as invoice_is_finalized,
        cast({{ dbt.date_trunc('month', 'finalized_fees.service_start_date') }} as date) as period_month,
        finalized_fees.currency,
        cast(case when fees.amount_minor > finalized_fees.amount_minor then fees.amount_minor - finalized_fees.amount_minor else 0 end as {{ dbt.type_bigint() }})
            as amount_at_risk_minor,
        case when fees.amount_minor > finalized_fees.amount_minor then 'under_billed' else 'none' end as direction,
        cast(late_by_fee.late_events_count as {{ dbt.type_string() }}) || ' events of '
            || finalized_fees.billable_metric_code || ' on ' || finalized_fees.external_subscription_id
            || ' landed after invoice ' || review_invoices.invoice_number
            || ' was finalized; priced now the fee would be '
            || cast(coalesce(fees.amount_minor, finalized_fees.amount_minor) as {{ dbt.type_string() }})
            || ' instead of ' || cast(finalized_fees.amount_minor as {{ dbt.type_string() }})
            || ' ' || finalized_fees.currency || ' minor units' as reason_text,
        'fct_late_usage:' || late_by_fee.fee_id || '; int_billing__fees:' || late_by_fee.fee_id as evidence,
        -- the billing "now" (settings as_of), not the landing wall clock: stable across rebuilds
        {{ invoicing_as_of_date() }} as detected_on,
        late_by_fee.fee_id as finding_key
    from late_by_fee
    inner join review_invoices on late_by_fee.invoice_id = review_invoices.invoice_id
    inner join finalized_fees on late_by_fee.fee_id = finalized_fees.fee_id
    left join fees on late_by_fee.fee_id = fees.fee_id
),

findings as (
    select * from not_billed_findings
    union all
    select * from late_findings
    union all
    select * from units_findings
),

final as (
    {{ assurance_rule_findings('findings', 'usage_billing') }}
)

select * from final
