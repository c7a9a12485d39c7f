-- Coupon discounts an invoice should not carry (docs/assurance.md §3, rule `coupons`; pricing.md
-- 5.3). A coupon discount is a negative credit line named by the coupon code (the incumbent's
-- `credits[]`, revhouse's coupon discounts), matched to the customer's applied coupon of that
-- code (the latest applied on or before the invoice's issuing date). Uses are counted per
-- applied coupon over the invoices under review, in issuing order: a lower bound when the
-- coupon was also used on invoices before the review window, so a finding is never invented.
-- coupon_after_end: the invoice is issued after the applied coupon's termination or
-- expiration day, or it is a recurring coupon's use number > frequency_duration; the whole
-- discount leaked.
-- coupon_beyond_limit: more discount than the coupon allows: a fixed coupon above its amount
-- on one invoice (a `once` fixed coupon: above what remains of it over its uses), a percentage
-- coupon above round(invoice fees × rate ÷ 100) (the largest base it can have), any discount
-- above the invoice's fees, or a `once` percentage coupon used a second time; the excess
-- leaked. A line already past its end is not judged again for its limit.
with review_lines as (
    select * from {{ ref('int_assurance__review_invoice_lines') }}
    where fee_type = 'credit' and amount_minor < 0
),

review_invoices as (
    select * from {{ ref('int_assurance__review_invoices') }}
),

invoice_lines as (
    select * from {{ ref('int_assurance__review_invoice_lines') }}
    where external_subscription_id is not null
),

applied_coupons as (
    select * from {{ ref('stg_lago__applied_coupons') }}
),

coupon_lines as (
    select * from (
        select
            review_lines.line_id,
            review_lines.invoice_id,
            review_lines.invoice_number,
            review_lines.external_customer_id,
            review_lines.currency,
            review_lines.is_finalized,
            review_lines.charge_key as coupon_code,
            -review_lines.amount_minor as discount_amount_minor,
            review_invoices.issuing_date,
            review_invoices.fees_amount_minor - review_invoices.progressive_billing_credit_amount_minor as invoice_fees_amount_minor,
            applied_coupons.lago_applied_coupon_id,
            applied_coupons.amount_minor as coupon_amount_minor,
            applied_coupons.percentage_rate,
            applied_coupons.frequency,
            applied_coupons.frequency_duration,
            cast(applied_coupons.expiration_at as date) as expiration_date,
            cast(applied_coupons.terminated_at as date) as termination_date,
            row_number() over (
                partition by review_lines.line_id
                order by applied_coupons.applied_at desc
            ) as applied_rank
        from review_lines
        inner join review_invoices on review_lines.invoice_id = review_invoices.invoice_id
        inner join applied_coupons
            on review_lines.external_customer_id = applied_coupons.external_customer_id
            and review_lines.charge_key = applied_coupons.coupon_code
            and cast(applied_coupons.applied_at as date) <= review_invoices.issuing_date
    ) ranked
    where applied_rank = 1
),

uses as (
    select
        coupon_lines.*,
        row_number() over (
            partition by lago_applied_coupon_id
            order by issuing_date, invoice_number, invoice_id, line_id
        ) as use_number,
        sum(discount_amount_minor) over (
            partition by lago_applied_coupon_id
            order by issuing_date, invoice_number, invoice_id, line_id
            rows between unbounded preceding and current row
        ) as cumulative_discount_minor
    from coupon_lines
),

judged as (
    select
        uses.*,
        case
            when termination_date is not null and issuing_date > termination_date then 'terminated on ' || cast(termination_date as {{ dbt.type_string() }})
            when expiration_date is not null and issuing_date > expiration_date then 'expired on ' || cast(expiration_date as {{ dbt.type_string() }})
            when frequency = 'recurring' and use_number > frequency_duration
                then 'use ' || cast(use_number as {{ dbt.type_string() }}) || ' of a coupon for '
                    || cast(frequency_duration as {{ dbt.type_string() }}) || ' periods'
        end as end_reason,
        -- the largest excess over any limit
        greatest(
            case when discount_amount_minor > invoice_fees_amount_minor then discount_amount_minor - invoice_fees_amount_minor else 0 end,
            case
                when coupon_amount_minor is not null and frequency = 'once'
                    then least(discount_amount_minor, greatest(cumulative_discount_minor - coupon_amount_minor, 0))
                when coupon_amount_minor is not null and discount_amount_minor > coupon_amount_minor
                    then discount_amount_minor - coupon_amount_minor
                else 0
            end,
            case
                when percentage_rate is not null and frequency = 'once' and use_number > 1 then discount_amount_minor
                when percentage_rate is not null
                    and discount_amount_minor > {{ round_minor(exact_divide('invoice_fees_amount_minor * percentage_rate', 100)) }}
                    then discount_amount_minor - {{ round_minor(exact_divide('invoice_fees_amount_minor * percentage_rate', 100)) }}
                else 0
            end
        ) as excess_amount_minor,
        case
            when percentage_rate is not null then cast(percentage_rate as {{ dbt.type_string() }}) || '% of fees '
                || cast(invoice_fees_amount_minor as {{ dbt.type_string() }})
            else 'fixed ' || cast(coupon_amount_minor as {{ dbt.type_string() }})
        end as limit_text
    from uses
),

findings as (
    select
        'coupon_after_end' as reason_code,
        judged.*,
        discount_amount_minor as finding_amount_minor,
        'Coupon ' || coupon_code || ' discounts ' || cast(discount_amount_minor as {{ dbt.type_string() }})
            || ' ' || currency || ' minor units on invoice ' || coalesce(invoice_number, invoice_id)
            || ' issued ' || cast(issuing_date as {{ dbt.type_string() }}) || ' after its end (' || end_reason || ')' as reason_text
    from judged
    where end_reason is not null
    union all
    select
        'coupon_beyond_limit' as reason_code,
        judged.*,
        excess_amount_minor as finding_amount_minor,
        'Coupon ' || coupon_code || ' (' || frequency || ', ' || limit_text || ') discounts '
            || cast(discount_amount_minor as {{ dbt.type_string() }}) || ' ' || currency
            || ' minor units on invoice ' || coalesce(invoice_number, invoice_id) || ' (use '
            || cast(use_number as {{ dbt.type_string() }}) || ', '
            || cast(cumulative_discount_minor as {{ dbt.type_string() }}) || ' so far): '
            || cast(excess_amount_minor as {{ dbt.type_string() }}) || ' beyond its limit' as reason_text
    from judged
    where end_reason is null and excess_amount_minor > 0
),

-- the subscription an invoice bills, when it bills exactly one
invoice_subscriptions as (
    select
        invoice_id,
        max(external_subscription_id) as external_subscription_id
    from invoice_lines
    group by invoice_id
    having count(distinct external_subscription_id) = 1
),

typed as (
    select
        reason_code,
        'medium' as severity,
        external_customer_id,
        (select invoice_subscriptions.external_subscription_id from invoice_subscriptions
            where invoice_subscriptions.invoice_id = findings.invoice_id) as external_subscription_id,
        invoice_id,
        invoice_number,
        is_finalized as invoice_is_finalized,
        cast({{ dbt.date_trunc('month', 'issuing_date') }} as date) as period_month,
        currency,
        finding_amount_minor as amount_at_risk_minor,
        'under_billed' as direction,
        reason_text,
        'int_assurance__review_invoice_lines:' || line_id || '; stg_lago__applied_coupons:' || lago_applied_coupon_id as evidence,
        issuing_date as detected_on,
        line_id as finding_key
    from findings
),

final as (
    {{ assurance_rule_findings('typed', 'coupons') }}
)

select * from final
