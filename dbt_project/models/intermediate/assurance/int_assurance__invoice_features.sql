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

usage_features as (
    select * from {{ ref('int_assurance__usage_features') }}
),

billable_metrics as (
    select billable_metric_code, aggregation_type, is_recurring from {{ ref('stg_lago__billable_metrics') }}
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

-- the units each usage fee bills (all lines of one subscription × metric on the invoice: its
-- filters and pricing groups together) for an additive metric (count, or a sum that is not
-- recurring: billed units are the sum of the days' units), against the units metered on the subscription in the fee's
-- service period (customer-local days, inclusive)
charge_units as (
    select
        review_invoice_lines.invoice_id,
        review_invoice_lines.external_subscription_id,
        review_invoice_lines.charge_key,
        min(review_invoice_lines.service_from_date) as service_from_date,
        max(review_invoice_lines.service_to_date) as service_to_date,
        sum(review_invoice_lines.units) as billed_units
    from review_invoice_lines
    inner join billable_metrics on review_invoice_lines.charge_key = billable_metrics.billable_metric_code
    where review_invoice_lines.fee_type = 'charge'
        and billable_metrics.aggregation_type in ('count_agg', 'sum_agg')
        and not billable_metrics.is_recurring
    group by review_invoice_lines.invoice_id, review_invoice_lines.external_subscription_id, review_invoice_lines.charge_key
),

charge_metered as (
    select
        charge_units.invoice_id,
        charge_units.external_subscription_id,
        charge_units.charge_key,
        charge_units.billed_units,
        coalesce(sum(usage_features.units), 0) as metered_units
    from charge_units
    left join usage_features
        on charge_units.external_subscription_id = usage_features.external_subscription_id
        and charge_units.charge_key = usage_features.billable_metric_code
        and usage_features.usage_date >= charge_units.service_from_date
        and usage_features.usage_date <= charge_units.service_to_date
    group by
        charge_units.invoice_id,
        charge_units.external_subscription_id,
        charge_units.charge_key,
        charge_units.billed_units
),

-- the invoice's usage fee billed furthest above its metered units by ratio (one billing units
-- where none were metered first): the one its features name
charge_ranked as (
    select
        charge_metered.*,
        row_number() over (
            partition by charge_metered.invoice_id
            order by
                case when charge_metered.metered_units > 0 then 1 else 0 end,
                charge_metered.billed_units / (case when charge_metered.metered_units > 0 then charge_metered.metered_units else 1 end) desc,
                charge_metered.charge_key
        ) as charge_rank
    from charge_metered
    where charge_metered.billed_units > 0
),

top_charge as (
    select invoice_id, external_subscription_id, charge_key, billed_units, metered_units
    from charge_ranked
    where charge_rank = 1
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
        cast(plan_month.plan_month_median_fees_minor as {{ dbt.type_bigint() }}) as plan_month_median_fees_minor,
        top_charge.external_subscription_id as top_charge_subscription_id,
        top_charge.charge_key as top_charge_key,
        top_charge.billed_units as top_charge_billed_units,
        top_charge.metered_units as top_charge_metered_units
    from invoices
    left join customer_history on invoices.invoice_id = customer_history.invoice_id
    left join plan_month on invoices.invoice_id = plan_month.invoice_id
    left join top_charge on invoices.invoice_id = top_charge.invoice_id
)

select * from final
