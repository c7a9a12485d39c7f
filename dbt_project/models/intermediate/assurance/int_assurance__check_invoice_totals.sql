-- Invoices whose figures do not add up (docs/assurance.md §3, rule `invoice_totals`, reason
-- invoice_total_mismatch), from the document's own amounts (pricing.md 5):
-- total = fees − progressive billing credit − coupons + taxes − credit notes − prepaid credits,
-- never below 0; and the fees amount = Σ its fee lines (every line but the negative credit lines,
-- which are the coupons and credits deducted). One finding per invoice; the amount at risk is
-- the larger of the two differences (a fee missing from the header shows in both, counted once);
-- over-billed when the stated figure is above what its parts give. The period is the first
-- service month its fee lines bill (an invoice in arrears of 1 May bills April), else the
-- issuing month; the subscription is named when the invoice's lines bill exactly one.
with review_invoices as (
    select * from {{ ref('int_assurance__review_invoices') }}
),

review_lines as (
    select * from {{ ref('int_assurance__review_invoice_lines') }}
),

line_fees as (
    select
        invoice_id,
        sum(case when fee_type = 'credit' and amount_minor < 0 then 0 else amount_minor end) as lines_fees_amount_minor,
        count(*) as lines_count,
        min(case when fee_type <> 'credit' then service_from_date end) as first_service_date,
        count(distinct external_subscription_id) as subscriptions_count,
        max(external_subscription_id) as any_subscription_id
    from review_lines
    group by invoice_id
),

expected as (
    select
        review_invoices.*,
        coalesce(line_fees.lines_fees_amount_minor, 0) as lines_fees_amount_minor,
        line_fees.first_service_date,
        case when line_fees.subscriptions_count = 1 then line_fees.any_subscription_id end as only_subscription_id,
        case when review_invoices.fees_amount_minor - review_invoices.progressive_billing_credit_amount_minor
                - review_invoices.coupons_amount_minor + review_invoices.taxes_amount_minor
                - review_invoices.credit_notes_amount_minor - review_invoices.prepaid_credit_amount_minor < 0 then 0
            else review_invoices.fees_amount_minor - review_invoices.progressive_billing_credit_amount_minor
                - review_invoices.coupons_amount_minor + review_invoices.taxes_amount_minor
                - review_invoices.credit_notes_amount_minor - review_invoices.prepaid_credit_amount_minor
        end as expected_total_amount_minor
    from review_invoices
    left join line_fees on review_invoices.invoice_id = line_fees.invoice_id
),

differences as (
    select
        expected.*,
        total_amount_minor - expected_total_amount_minor as total_difference_minor,
        fees_amount_minor - lines_fees_amount_minor as fees_difference_minor
    from expected
),

mismatches as (
    select
        differences.*,
        case when abs(total_difference_minor) >= abs(fees_difference_minor) then total_difference_minor
            else fees_difference_minor end as difference_minor
    from differences
    where total_difference_minor <> 0 or fees_difference_minor <> 0
),

findings as (
    select
        'invoice_total_mismatch' as reason_code,
        'high' as severity,
        external_customer_id,
        only_subscription_id as external_subscription_id,
        invoice_id,
        invoice_number,
        is_finalized as invoice_is_finalized,
        cast({{ dbt.date_trunc('month', 'coalesce(first_service_date, issuing_date)') }} as date) as period_month,
        currency,
        abs(difference_minor) as amount_at_risk_minor,
        case when difference_minor > 0 then 'over_billed' else 'under_billed' end as direction,
        'Invoice ' || coalesce(invoice_number, invoice_id) || ' states total '
            || cast(total_amount_minor as {{ dbt.type_string() }}) || ' where fees '
            || cast(fees_amount_minor as {{ dbt.type_string() }}) || ' − progressive credit '
            || cast(progressive_billing_credit_amount_minor as {{ dbt.type_string() }}) || ' − coupons '
            || cast(coupons_amount_minor as {{ dbt.type_string() }}) || ' + taxes '
            || cast(taxes_amount_minor as {{ dbt.type_string() }}) || ' − credit notes '
            || cast(credit_notes_amount_minor as {{ dbt.type_string() }}) || ' − prepaid credits '
            || cast(prepaid_credit_amount_minor as {{ dbt.type_string() }}) || ' give '
            || cast(expected_total_amount_minor as {{ dbt.type_string() }}) || ', and its lines add up to fees of '
            || cast(lines_fees_amount_minor as {{ dbt.type_string() }}) || ' ' || currency || ' minor units' as reason_text,
        'int_assurance__review_invoices:' || invoice_id as evidence,
        issuing_date as detected_on,
        invoice_id as finding_key
    from mismatches
),

final as (
    {{ assurance_rule_findings('findings', 'invoice_totals') }}
)

select * from final
