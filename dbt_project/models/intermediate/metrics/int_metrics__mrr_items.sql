{#- FIRST SLICE of MRR (foundation issue): each subscription's plan amount normalised to a
    month (B1), in force from its first paid day to its first day without service (B2, B10).
    Coupons in force, add-ons and quantities come with the metrics issue. -#}
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

located as (
    select
        subscriptions.lago_subscription_id,
        subscriptions.external_subscription_id,
        subscriptions.external_customer_id,
        subscriptions.plan_code,
        plans.plan_interval,
        plans.amount_minor as plan_amount_minor,
        plans.currency,
        plans.trial_period_days,
        coalesce(customers.timezone, entities.timezone, 'UTC') as timezone,
        subscriptions.started_at,
        subscriptions.terminated_at,
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
        cast({{ dbt.dateadd('day', 'cast(trial_period_days as integer)', utc_to_local_date('first_started_at', 'timezone')) }} as date) as trial_end_date,
        {{ utc_to_local_date('terminated_at', 'timezone') }} as terminated_date
    from located
),

successors as (
    select distinct external_subscription_id, start_date as successor_start_date
    from dated
),

final as (
    select
        dated.lago_subscription_id,
        dated.external_subscription_id,
        dated.external_customer_id,
        dated.plan_code,
        dated.plan_interval,
        dated.currency,
        dated.plan_amount_minor,
        case when dated.trial_end_date > dated.start_date then dated.trial_end_date else dated.start_date end as mrr_from_date,
        -- first day without service: the day after termination (the termination day is used),
        -- except on an upgrade, whose day belongs to the successor plan (pricing.md 3)
        case
            when dated.terminated_date is null then null
            when successors.successor_start_date is not null then dated.terminated_date
            else cast({{ dbt.dateadd('day', 1, 'dated.terminated_date') }} as date)
        end as mrr_to_date,
        {{ round_minor(exact_divide(
            'dated.plan_amount_minor * case dated.plan_interval when \'weekly\' then 52 else 1 end',
            'case dated.plan_interval when \'weekly\' then 12 when \'monthly\' then 1 when \'quarterly\' then 3 when \'semiannual\' then 6 when \'yearly\' then 12 end'
        )) }} as mrr_minor
    from dated
    left join successors
        on dated.external_subscription_id = successors.external_subscription_id
        and dated.terminated_date = successors.successor_start_date
)

select * from final
