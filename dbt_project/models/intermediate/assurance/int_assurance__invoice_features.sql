-- Invoice features for the ML anomaly scores (docs/assurance.md §4): one row per invoice under
-- review with its fees (excl. tax, before coupons) against the customer's own earlier invoices
-- and against the invoices of its plan issued in the same month. Medians are percentile_disc,
-- an amount that was really invoiced, so money stays exact BIGINT minor units.
with review_invoices as (
    select * from {{ ref('int_assurance__review_invoices') }}
),

review_invoice_lines as (
    select * from {{ ref('int_assurance__review_invoice_lines') }}
),

-- the plan of the invoice: the plan of its subscription fee (the larger code when an upgrade
-- puts two plans on one invoice, which plans_count says), and the usage share of its fees
invoice_lines as (
    select
        invoice_id,
        max(case when fee_type = 'subscription' then plan_code end) as plan_code,
        count(distinct case when fee_type = 'subscription' then plan_code end) as plans_count,
        sum(case when fee_type = 'charge' then amount_minor else 0 end) as usage_fees_amount_minor,
        count(*) as lines_count,
        min(service_from_date) as service_from_date
    from review_invoice_lines
    group by invoice_id
),

invoices as (
    select
        review_invoices.invoice_id,
        review_invoices.invoice_number,
        review_invoices.invoice_source,
        review_invoices.external_customer_id,
        review_invoices.currency,
        review_invoices.issuing_date,
        {{ dbt.date_trunc('month', 'review_invoices.issuing_date') }} as issuing_month,
        review_invoices.is_finalized,
        review_invoices.fees_amount_minor,
        review_invoices.total_amount_minor,
        invoice_lines.plan_code,
        coalesce(invoice_lines.plans_count, 0) as plans_count,
        coalesce(invoice_lines.usage_fees_amount_minor, 0) as usage_fees_amount_minor,
        coalesce(invoice_lines.lines_count, 0) as lines_count,
        -- the service month concerned: of the earliest service day on the invoice
        {{ dbt.date_trunc('month', 'coalesce(invoice_lines.service_from_date, review_invoices.issuing_date)') }} as service_month
    from review_invoices
    left join invoice_lines on review_invoices.invoice_id = invoice_lines.invoice_id
),

-- the customer's invoices in the same currency issued in the 12 months before this one
customer_history as (
    select
        invoices.invoice_id,
        count(earlier.invoice_id) as customer_prior_invoices,
        percentile_disc(0.5) within group (order by earlier.fees_amount_minor) as customer_median_fees_minor,
        percentile_disc(0.5) within group (order by earlier.usage_fees_amount_minor) as customer_median_usage_fees_minor
    from invoices
    inner join invoices as earlier
        on invoices.external_customer_id = earlier.external_customer_id
        and invoices.currency = earlier.currency
        and earlier.issuing_date < invoices.issuing_date
        and earlier.issuing_date >= {{ dbt.dateadd('month', -12, 'invoices.issuing_date') }}
    group by invoices.invoice_id
),

-- the other invoices of the same plan and currency issued in the same month
plan_month as (
    select
        invoices.invoice_id,
        count(peers.invoice_id) as plan_month_invoices,
        percentile_disc(0.5) within group (order by peers.fees_amount_minor) as plan_month_median_fees_minor
    from invoices
    inner join invoices as peers
        on invoices.plan_code = peers.plan_code
        and invoices.currency = peers.currency
        and invoices.issuing_month = peers.issuing_month
        and invoices.invoice_id <> peers.invoice_id
    group by invoices.invoice_id
),

final as (
    select
        invoices.invoice_id,
        invoices.invoice_number,
        invoices.invoice_source,
        invoices.external_customer_id,
        invoices.currency,
        invoices.issuing_date,
        cast(invoices.issuing_month as date) as issuing_month,
        cast(invoices.service_month as date) as service_month,
        invoices.is_finalized,
        invoices.plan_code,
        invoices.plans_count,
        invoices.lines_count,
        invoices.fees_amount_minor,
        invoices.total_amount_minor,
        invoices.usage_fees_amount_minor,
        coalesce(customer_history.customer_prior_invoices, 0) as customer_prior_invoices,
        cast(customer_history.customer_median_fees_minor as {{ dbt.type_bigint() }}) as customer_median_fees_minor,
        cast(customer_history.customer_median_usage_fees_minor as {{ dbt.type_bigint() }}) as customer_median_usage_fees_minor,
        coalesce(plan_month.plan_month_invoices, 0) as plan_month_invoices,
        cast(plan_month.plan_month_median_fees_minor as {{ dbt.type_bigint() }}) as plan_month_median_fees_minor
    from invoices
    left join customer_history on invoices.invoice_id = customer_history.invoice_id
    left join plan_month on invoices.invoice_id = plan_month.invoice_id
)

select * from final
