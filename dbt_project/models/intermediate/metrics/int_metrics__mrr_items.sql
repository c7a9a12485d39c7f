{#- MRR per recurring subscription item and validity interval [mrr_from_date, mrr_to_date), local
    dates (metrics-and-revrec.md B1, B2, B10). Items: the plan fee and the part of a minimum
    commitment above it; usage charges, add-ons/one-offs, setup fees and tax never enter.
    Intervals are split where a coupon covering the item starts or stops. -#}
with subscriptions as (
    select * from {{ ref('stg_lago__subscriptions') }}
),

plans as (
    select * from {{ ref('stg_lago__plans') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

coupon_slots as (
    select * from {{ ref('int_billing__coupon_slots') }}
),

coupon_targets as (
    select * from {{ ref('int_billing__coupon_targets') }}
),

located as (
    select
        subscriptions.lago_subscription_id,
        subscriptions.external_subscription_id,
        subscriptions.external_customer_id,
        customers.billing_entity_code,
        subscriptions.plan_code,
        plans.plan_interval,
        plans.amount_minor as plan_amount_minor,
        plans.minimum_commitment_amount_minor,
        upper(plans.currency) as currency,
        plans.trial_period_days,
        coalesce(customers.timezone, entities.timezone, 'UTC') as timezone,
        subscriptions.started_at,
        subscriptions.trial_ended_at,
        subscriptions.canceled_at,
        coalesce(subscriptions.created_at, subscriptions.started_at) as created_at,
        -- a termination that happened, else the end date set in advance (scheduled cancellation)
        coalesce(subscriptions.terminated_at, subscriptions.ending_at) as end_at,
        subscriptions.terminated_at is null and subscriptions.ending_at is not null
            or subscriptions.terminated_at >= subscriptions.ending_at as is_end_set_in_advance,
        -- the trial counts from the first start of the external subscription (upgrades keep it)
        min(subscriptions.started_at) over (partition by subscriptions.external_subscription_id) as first_started_at
    from subscriptions
    inner join plans on subscriptions.plan_code = plans.plan_code
    left join customers on subscriptions.external_customer_id = customers.external_customer_id
    left join entities on customers.billing_entity_code = entities.billing_entity_code
    where subscriptions.started_at is not null
),

dated as (
    select
        located.*,
        {{ utc_to_local_date('started_at', 'timezone') }} as start_date,
        case
            when trial_ended_at is not null then {{ utc_to_local_date('trial_ended_at', 'timezone') }}
            else cast({{ dbt.dateadd('day', 'cast(floor(trial_period_days) as integer)', utc_to_local_date('first_started_at', 'timezone')) }} as date)
        end as trial_end_date,
        -- an end exactly at local midnight serves nothing of that day (metrics-and-revrec.md 0)
        cast({{ dbt.dateadd('day', 1, utc_to_local_date(dbt.dateadd('microsecond', -1, 'end_at'), 'timezone')) }} as date) as day_after_last_service_date,
        case
            when canceled_at is not null then {{ utc_to_local_date('canceled_at', 'timezone') }}
            when is_end_set_in_advance then {{ utc_to_local_date('created_at', 'timezone') }}
            else {{ utc_to_local_date('end_at', 'timezone') }}
        end as end_known_date
    from located
),

-- a plan change keeps the external id: the successor starting at or after the old plan's end
-- takes over from its start day (pricing.md 3: the upgrade day belongs to the new plan)
successors as (
    select
        dated.lago_subscription_id,
        min(successor.start_date) as successor_start_date
    from dated
    inner join dated as successor
        on dated.external_subscription_id = successor.external_subscription_id
        and dated.lago_subscription_id <> successor.lago_subscription_id
        and successor.started_at >= dated.end_at
    group by dated.lago_subscription_id
),

subscription_spans as (
    select
        dated.*,
        case when dated.trial_end_date > dated.start_date then dated.trial_end_date else dated.start_date end as paid_from_date,
        case
            when dated.end_at is null then null
            when successors.successor_start_date <= dated.day_after_last_service_date then successors.successor_start_date
            else dated.day_after_last_service_date
        end as item_to_date,
        coalesce(dated.end_at is not null
            and successors.successor_start_date <= dated.day_after_last_service_date, false) as is_replaced_by_plan_change,
        case dated.plan_interval
            when 'weekly' then 52 when 'daily' then 365 else 1
        end as month_factor_numerator,
        case dated.plan_interval
            when 'weekly' then 12 when 'daily' then 12 when 'monthly' then 1 when 'quarterly' then 3
            when 'semiannual' then 6 when 'yearly' then 12
        end as month_factor_denominator
    from dated
    left join successors on dated.lago_subscription_id = successors.lago_subscription_id
),

-- Lago subscriptions carry no quantity: each item is one unit of its price
recurring_items as (
    select
        subscription_spans.*,
        'plan_fee' as item_type,
        cast(1 as decimal(38, 12)) as units,
        plan_amount_minor as unit_amount_minor
    from subscription_spans
    union all
    -- the plan fee counts towards the commitment (pricing.md 3), so only the part above it is added
    select
        subscription_spans.*,
        'minimum_commitment' as item_type,
        cast(1 as decimal(38, 12)) as units,
        minimum_commitment_amount_minor - plan_amount_minor as unit_amount_minor
    from subscription_spans
    where minimum_commitment_amount_minor > plan_amount_minor
),

items as (
    select
        recurring_items.*,
        lago_subscription_id || ':' || item_type as mrr_item_id,
        cast(unit_amount_minor * units as decimal(38, 12)) as amount_per_interval_minor,
        {{ exact_divide('unit_amount_minor * units * month_factor_numerator', 'month_factor_denominator') }} as list_mrr_precise_minor
    from recurring_items
    where item_to_date is null or paid_from_date < item_to_date
),

-- coupons that discount a plan fee while they apply (B1): metric-limited coupons never cover it;
-- a `once` coupon is a one-time concession, not a recurring discount
coupons as (
    select *
    from coupon_slots
    where limited_to <> 'billable_metrics'
        and frequency in ('recurring', 'forever')
),

item_coupons as (
    select
        items.mrr_item_id,
        items.lago_subscription_id,
        coupons.lago_applied_coupon_id,
        coupons.coupon_type,
        coupons.percentage_rate,
        {{ exact_divide('coupons.amount_minor * items.month_factor_numerator', 'items.month_factor_denominator') }} as amount_off_mrr_precise_minor,
        {{ utc_to_local_date('coupons.applied_at', 'items.timezone') }} as coupon_from_date,
        -- first day without the coupon: its termination day, the day after its expiration date,
        -- or after frequency_duration billing intervals of the item from the day it was applied
        least(
            coalesce({{ utc_to_local_date('coupons.terminated_at', 'items.timezone') }}, cast('9999-12-31' as date)),
            coalesce(cast({{ dbt.dateadd('day', 1, utc_to_local_date('coupons.expiration_at', 'items.timezone')) }} as date), cast('9999-12-31' as date)),
            case
                when coupons.frequency <> 'recurring' then cast('9999-12-31' as date)
                when items.plan_interval = 'weekly' then cast({{ dbt.dateadd('day', '7 * coupons.frequency_duration', utc_to_local_date('coupons.applied_at', 'items.timezone')) }} as date)
                when items.plan_interval = 'daily' then cast({{ dbt.dateadd('day', 'coupons.frequency_duration', utc_to_local_date('coupons.applied_at', 'items.timezone')) }} as date)
                else cast({{ dbt.dateadd('month', 'coupons.frequency_duration * items.month_factor_denominator', utc_to_local_date('coupons.applied_at', 'items.timezone')) }} as date)
            end
        ) as coupon_to_date
    from items
    inner join coupons
        on items.external_customer_id = coupons.external_customer_id
        and (coupons.coupon_type = 'percentage' or coupons.currency = items.currency)
    left join coupon_targets
        on coupons.coupon_code = coupon_targets.coupon_code
        and coupon_targets.target_kind = 'plan'
        and coupon_targets.target_code = items.plan_code
    where coupons.limited_to = 'none' or coupon_targets.coupon_code is not null
),

-- the dates that open an interval: the item's first paid day and every coupon start/stop inside it
boundaries as (
    select mrr_item_id, paid_from_date as boundary_date from items
    union
    select item_coupons.mrr_item_id, item_coupons.coupon_from_date
    from item_coupons
    inner join items on item_coupons.mrr_item_id = items.mrr_item_id
    where item_coupons.coupon_from_date > items.paid_from_date
        and (items.item_to_date is null or item_coupons.coupon_from_date < items.item_to_date)
    union
    select item_coupons.mrr_item_id, item_coupons.coupon_to_date
    from item_coupons
    inner join items on item_coupons.mrr_item_id = items.mrr_item_id
    where item_coupons.coupon_to_date > items.paid_from_date
        and item_coupons.coupon_to_date < cast('9999-12-31' as date)
        and (items.item_to_date is null or item_coupons.coupon_to_date < items.item_to_date)
),

intervals as (
    select
        items.*,
        boundaries.boundary_date as mrr_from_date,
        coalesce(
            lead(boundaries.boundary_date) over (partition by boundaries.mrr_item_id order by boundaries.boundary_date),
            items.item_to_date
        ) as mrr_to_date
    from boundaries
    inner join items on boundaries.mrr_item_id = items.mrr_item_id
),

-- an amount-off coupon is taken once per invoice of the subscription: shared by its items
-- in proportion to their list MRR
subscription_list as (
    select lago_subscription_id, sum(list_mrr_precise_minor) as subscription_list_mrr_precise_minor
    from items
    group by lago_subscription_id
),

discounts as (
    select
        intervals.mrr_item_id,
        intervals.mrr_from_date,
        sum(case when item_coupons.coupon_type = 'percentage' then item_coupons.percentage_rate else 0 end) as discount_percentage,
        sum(case when item_coupons.coupon_type = 'fixed_amount'
            then {{ exact_divide('item_coupons.amount_off_mrr_precise_minor * intervals.list_mrr_precise_minor', 'subscription_list.subscription_list_mrr_precise_minor') }}
            else 0 end) as amount_off_mrr_precise_minor,
        {{ dbt.listagg('item_coupons.lago_applied_coupon_id', "','", 'order by item_coupons.lago_applied_coupon_id') }} as applied_coupon_ids
    from intervals
    inner join item_coupons
        on intervals.mrr_item_id = item_coupons.mrr_item_id
        and item_coupons.coupon_from_date <= intervals.mrr_from_date
        and intervals.mrr_from_date < item_coupons.coupon_to_date
    inner join subscription_list on intervals.lago_subscription_id = subscription_list.lago_subscription_id
    group by intervals.mrr_item_id, intervals.mrr_from_date
),

priced as (
    select
        intervals.*,
        coalesce(discounts.discount_percentage, 0) as discount_percentage,
        coalesce(discounts.amount_off_mrr_precise_minor, 0) as amount_off_mrr_precise_minor,
        discounts.applied_coupon_ids,
        -- percentages of the list price plus the amounts off, never more than the item
        least(
            intervals.list_mrr_precise_minor,
            intervals.list_mrr_precise_minor * least(coalesce(discounts.discount_percentage, 0), 100) / 100
            + coalesce(discounts.amount_off_mrr_precise_minor, 0)
        ) as discount_mrr_precise_minor
    from intervals
    left join discounts
        on intervals.mrr_item_id = discounts.mrr_item_id
        and intervals.mrr_from_date = discounts.mrr_from_date
),

final as (
    select
        mrr_item_id,
        lago_subscription_id,
        external_subscription_id,
        external_customer_id,
        billing_entity_code,
        plan_code,
        item_type,
        plan_interval,
        currency,
        timezone,
        units,
        amount_per_interval_minor,
        {{ round_minor('list_mrr_precise_minor') }} as list_mrr_minor,
        cast(discount_percentage as decimal(18, 6)) as discount_percentage,
        cast(amount_off_mrr_precise_minor as decimal(38, 12)) as amount_off_mrr_precise_minor,
        applied_coupon_ids,
        mrr_from_date,
        mrr_to_date,
        item_to_date,
        is_replaced_by_plan_change,
        case when item_to_date is not null then end_known_date end as end_known_date,
        -- rounded once per item, half away from zero (B1)
        {{ round_minor('list_mrr_precise_minor - discount_mrr_precise_minor') }} as mrr_minor
    from priced
)

select * from final
