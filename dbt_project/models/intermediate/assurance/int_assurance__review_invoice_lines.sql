-- One row per line of an invoice under review (docs/assurance.md §2), in one shape for both
-- sources. Incumbent (`billed`) lines as the document states them: its fees, and its credits
-- (coupons, credit notes, progressive billing credits) as negative 'credit' lines; the service
-- period's UTC instants become customer-local dates (customer's, else the entity's timezone,
-- as rating does), the end inclusive. A billed charge line names no plan: it takes the plan of
-- the subscription line of the same subscription on the same invoice whose service period
-- holds the line's service start, else the plan of the invoice's only subscription line of
-- it, else the subscription's plan (the version live at the line's service start): an
-- upgrade's month-end invoice carries the old plan's closing fees and the new plan's fees. revhouse lines: its invoice fees, plus each coupon discount as a negative 'credit' line
-- named by the coupon code.
with review_invoices as (
    select * from {{ ref('int_assurance__review_invoices') }}
),

billed_lines as (
    select * from {{ ref('stg_billed__invoice_lines') }}
),

invoice_fees as (
    select * from {{ ref('fct_invoice_fees') }}
),

invoice_discounts as (
    select * from {{ ref('fct_invoice_discounts') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

subscriptions as (
    select * from {{ ref('stg_lago__subscriptions') }}
),

billed_invoices as (
    select * from {{ ref('stg_billed__invoices') }}
),

billed_zones as (
    select
        billed_invoices.invoice_id,
        coalesce(customers.timezone, entities.timezone, 'UTC') as timezone
    from billed_invoices
    left join customers on billed_invoices.external_customer_id = customers.external_customer_id
    left join entities on billed_invoices.billing_entity_code = entities.billing_entity_code
),

billed_plan_lines as (
    select
        invoice_id,
        external_subscription_id,
        item_code as plan_code,
        service_start_at,
        service_end_at
    from billed_lines
    where fee_type = 'subscription'
),

billed_plans as (
    select
        invoice_id,
        external_subscription_id,
        max(plan_code) as plan_code
    from billed_plan_lines
    group by invoice_id, external_subscription_id
    having count(distinct plan_code) = 1
),

-- the plan line of the same invoice and subscription whose service period holds the line's start
billed_covering_plans as (
    select
        billed_lines.invoice_id || '#' || cast(billed_lines.line_number as {{ dbt.type_string() }}) as line_key,
        max(billed_plan_lines.plan_code) as plan_code
    from billed_lines
    inner join billed_plan_lines
        on billed_lines.invoice_id = billed_plan_lines.invoice_id
        and billed_lines.external_subscription_id = billed_plan_lines.external_subscription_id
        and billed_plan_lines.service_start_at <= billed_lines.service_start_at
        and billed_plan_lines.service_end_at > billed_lines.service_start_at
    where billed_lines.fee_type <> 'subscription'
    group by billed_lines.invoice_id, billed_lines.line_number
),

-- the subscription version (an upgrade keeps the external id) whose life covers the line's
-- service start, else the latest one started before it
billed_versions as (
    select
        line_key,
        plan_code
    from (
        select
            billed_lines.invoice_id || '#' || cast(billed_lines.line_number as {{ dbt.type_string() }}) as line_key,
            subscriptions.plan_code,
            row_number() over (
                partition by billed_lines.invoice_id, billed_lines.line_number
                order by
                    case when subscriptions.terminated_at is null or subscriptions.terminated_at >= billed_lines.service_start_at then 0 else 1 end,
                    subscriptions.started_at desc
            ) as version_rank
        from billed_lines
        inner join subscriptions
            on billed_lines.external_subscription_id = subscriptions.external_subscription_id
            and subscriptions.started_at <= coalesce(billed_lines.service_end_at, billed_lines.service_start_at)
    ) ranked
    where version_rank = 1
),

billed as (
    select
        coalesce(billed_lines.line_id, billed_lines.invoice_id || '#' || cast(billed_lines.line_number as {{ dbt.type_string() }})) as line_id,
        review_invoices.invoice_id,
        review_invoices.invoice_number,
        review_invoices.invoice_source,
        review_invoices.external_customer_id,
        billed_lines.external_subscription_id,
        case
            when billed_lines.fee_type = 'subscription' then billed_lines.item_code
            else coalesce(billed_covering_plans.plan_code, billed_plans.plan_code, billed_versions.plan_code)
        end as plan_code,
        case
            when billed_lines.fee_type in ('subscription', 'charge', 'add_on', 'credit', 'commitment') then billed_lines.fee_type
            else 'charge'
        end as fee_type,
        case when billed_lines.fee_type = 'subscription' then 'plan' else billed_lines.item_code end as charge_key,
        billed_lines.units,
        cast(null as {{ dbt.type_bigint() }}) as events_count,
        {{ utc_to_local_date('billed_lines.service_start_at', 'billed_zones.timezone') }} as service_from_date,
        {{ utc_to_local_date('billed_lines.service_end_at', 'billed_zones.timezone') }} as service_to_date,
        billed_lines.amount_minor,
        billed_lines.currency,
        review_invoices.is_finalized
    from billed_lines
    inner join review_invoices
        on review_invoices.invoice_source = 'billed'
        and billed_lines.invoice_id = review_invoices.invoice_id
    left join billed_zones on billed_lines.invoice_id = billed_zones.invoice_id
    left join billed_plans
        on billed_lines.invoice_id = billed_plans.invoice_id
        and billed_lines.external_subscription_id = billed_plans.external_subscription_id
    left join billed_versions
        on billed_lines.invoice_id || '#' || cast(billed_lines.line_number as {{ dbt.type_string() }}) = billed_versions.line_key
    left join billed_covering_plans
        on billed_lines.invoice_id || '#' || cast(billed_lines.line_number as {{ dbt.type_string() }}) = billed_covering_plans.line_key
),

revhouse_fees as (
    select
        invoice_fees.fee_id as line_id,
        review_invoices.invoice_id,
        review_invoices.invoice_number,
        review_invoices.invoice_source,
        review_invoices.external_customer_id,
        invoice_fees.external_subscription_id,
        invoice_fees.plan_code,
        case invoice_fees.fee_type
            when 'subscription' then 'subscription'
            when 'commitment_true_up' then 'commitment'
            else 'charge'
        end as fee_type,
        case
            when invoice_fees.fee_type = 'subscription' then 'plan'
            when invoice_fees.fee_type = 'commitment_true_up' then 'commitment'
            else invoice_fees.billable_metric_code
        end as charge_key,
        invoice_fees.units,
        cast(invoice_fees.events_count as {{ dbt.type_bigint() }}) as events_count,
        invoice_fees.service_start_date as service_from_date,
        invoice_fees.service_end_date as service_to_date,
        invoice_fees.amount_minor,
        invoice_fees.currency,
        review_invoices.is_finalized
    from invoice_fees
    inner join review_invoices
        on review_invoices.invoice_source = 'revhouse'
        and invoice_fees.invoice_id = review_invoices.invoice_id
),

revhouse_coupons as (
    select
        invoice_discounts.invoice_id || '#coupon#' || invoice_discounts.lago_applied_coupon_id as line_id,
        review_invoices.invoice_id,
        review_invoices.invoice_number,
        review_invoices.invoice_source,
        review_invoices.external_customer_id,
        cast(null as {{ dbt.type_string() }}) as external_subscription_id,
        cast(null as {{ dbt.type_string() }}) as plan_code,
        'credit' as fee_type,
        invoice_discounts.coupon_code as charge_key,
        cast(null as {{ dbt.type_numeric() }}) as units,
        cast(null as {{ dbt.type_bigint() }}) as events_count,
        cast(null as date) as service_from_date,
        cast(null as date) as service_to_date,
        -invoice_discounts.coupon_amount_minor as amount_minor,
        invoice_discounts.currency,
        review_invoices.is_finalized
    from invoice_discounts
    inner join review_invoices
        on review_invoices.invoice_source = 'revhouse'
        and invoice_discounts.invoice_id = review_invoices.invoice_id
    where invoice_discounts.coupon_amount_minor <> 0
),

final as (
    select * from billed
    union all
    select * from revhouse_fees
    union all
    select * from revhouse_coupons
)

select * from final
