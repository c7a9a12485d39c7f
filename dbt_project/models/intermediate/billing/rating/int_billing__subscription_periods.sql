-- Billing periods of every subscription up to the billing "now" (pricing.md 3).
-- Periods are local dates in the customer's (else the entity's) timezone; the charge window
-- (period_from_at/period_to_at) is their UTC image, opened at the exact start instant in the
-- first period and closed at the termination instant in the last.
with subscriptions as (
    select * from {{ ref('stg_lago__subscriptions') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

plans as (
    select * from {{ ref('stg_lago__plans') }}
),

entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

settings as (
    select * from {{ ref('stg_reference__settings') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

numbers as (
    {{ dbt.generate_series(3000) }}
),

context as (
    select
        subscriptions.lago_subscription_id,
        subscriptions.external_subscription_id,
        subscriptions.external_customer_id,
        subscriptions.plan_code,
        subscriptions.billing_time,
        subscriptions.subscription_at,
        subscriptions.started_at,
        subscriptions.terminated_at,
        subscriptions.ending_at,
        plans.plan_interval,
        plans.amount_minor as plan_amount_minor,
        plans.is_pay_in_advance,
        plans.is_bill_charges_monthly,
        plans.trial_period_days,
        plans.minimum_commitment_amount_minor,
        coalesce(plans.invoice_display_name, plans.plan_name, plans.plan_code) as plan_display_name,
        customers.billing_entity_code,
        coalesce(plans.currency, customers.currency, entities.currency) as currency,
        coalesce(customers.timezone, entities.timezone, 'UTC') as timezone,
        {{ rating_as_of_at('settings') }} as as_of_at
    from subscriptions
    inner join plans on subscriptions.plan_code = plans.plan_code
    left join customers on subscriptions.external_customer_id = customers.external_customer_id
    left join entities on customers.billing_entity_code = entities.billing_entity_code
    where subscriptions.started_at is not null
),

-- Upgrades keep the external id: the trial counts from the first start, and an old plan
-- replaced on day D by a successor starting on D hands that day to the successor.
lineage as (
    select
        context.*,
        min(started_at) over (partition by external_subscription_id) as first_started_at,
        case
            when terminated_at is not null then terminated_at
            when ending_at is not null and ending_at <= as_of_at then ending_at
        end as effective_terminated_at
    from context
    where started_at <= as_of_at
),

local_dates as (
    select
        lineage.*,
        currencies.minor_unit_exponent as currency_exponent,
        {{ utc_to_local_date('started_at', 'timezone') }} as start_date,
        {{ utc_to_local_date('coalesce(subscription_at, started_at)', 'timezone') }} as anchor_source_date,
        -- an end exactly at local midnight serves nothing of that day: the last day is the one before
        {{ utc_to_local_date(dbt.dateadd('microsecond', -1, 'effective_terminated_at'), 'timezone') }} as termination_date,
        -- the closing invoice is issued on the day the termination happens
        {{ utc_to_local_date('effective_terminated_at', 'timezone') }} as termination_issuing_date,
        {{ utc_to_local_date('as_of_at', 'timezone') }} as as_of_date,
        cast({{ dbt.dateadd('day', 'cast(floor(trial_period_days) as integer)', utc_to_local_date('first_started_at', 'timezone')) }} as date) as trial_end_date
    from lineage
    left join currencies on lineage.currency = currencies.currency
),

upgrades as (
    select
        old_subscription.lago_subscription_id,
        max(case when successor.start_date = old_subscription.termination_date then 1 else 0 end) as has_same_day_successor
    from local_dates as old_subscription
    inner join local_dates as successor
        on successor.external_subscription_id = old_subscription.external_subscription_id
        and successor.lago_subscription_id <> old_subscription.lago_subscription_id
        and successor.started_at >= old_subscription.effective_terminated_at
    group by old_subscription.lago_subscription_id
),

anchors as (
    select
        local_dates.*,
        coalesce(upgrades.has_same_day_successor, 0) = 1 as is_upgraded_away,
        case
            when billing_time = 'anniversary' then anchor_source_date
            else {{ calendar_period_anchor('plan_interval', 'anchor_source_date') }}
        end as anchor_date
    from local_dates
    left join upgrades on local_dates.lago_subscription_id = upgrades.lago_subscription_id
),

-- Each boundary is re-derived from the anchor (anchor + k steps), so a 31st anniversary
-- clamps to short months without drifting: 31 Jan -> 28 Feb -> 31 Mar (macros/rating/periods.sql).
generated as (
    select
        anchors.*,
        cast(numbers.generated_number - 1 as integer) as period_index,
        {{ billing_period_start('plan_interval', 'anchor_date', 'numbers.generated_number') }} as period_start_date,
        {{ billing_period_end('plan_interval', 'anchor_date', 'numbers.generated_number') }} as period_end_date
    from anchors
    -- only steps that can start by the as-of date: step n starts (n − 1) steps after the
    -- anchor, so beyond (months from anchor to as-of) / months per step + 1 it starts in a later
    -- month and in_scope drops it anyway (+2 leaves one spare). A cross join with all 3000
    -- numbers built 3000 wide rows per subscription to keep a few.
    inner join numbers
        on numbers.generated_number <= {{ billing_periods_until('plan_interval', 'anchor_date', 'as_of_date') }}
),

in_scope as (
    select *
    from generated
    where period_end_date >= start_date
        and period_start_date <= as_of_date
        and (termination_date is null or period_start_date <= termination_date)
        -- a subscription upgraded on its start day never served a day of its own
        and not (is_upgraded_away and termination_date <= start_date and period_start_date >= termination_date)
),

final as (
    select
        {{ dbt.concat(["lago_subscription_id", "'|'", "cast(period_start_date as " ~ dbt.type_string() ~ ")"]) }} as subscription_period_id,
        lago_subscription_id,
        external_subscription_id,
        external_customer_id,
        billing_entity_code,
        plan_code,
        plan_display_name,
        plan_interval,
        billing_time,
        currency,
        currency_exponent,
        timezone,
        plan_amount_minor,
        is_pay_in_advance,
        is_bill_charges_monthly,
        minimum_commitment_amount_minor,
        period_index,
        period_start_date,
        period_end_date,
        {{ days_inclusive('period_start_date', 'period_end_date') }} as full_period_days,
        case when start_date > period_start_date then start_date else period_start_date end as service_start_date,
        case
            when termination_date is not null and termination_date < period_end_date then termination_date
            else period_end_date
        end as service_end_date,
        start_date,
        termination_date,
        termination_issuing_date,
        trial_end_date,
        is_upgraded_away,
        start_date >= period_start_date as is_first_period,
        termination_date is not null and termination_date <= period_end_date as is_terminated_in_period,
        case
            when start_date >= period_start_date then started_at
            else {{ local_date_start_at('period_start_date', 'timezone') }}
        end as period_from_at,
        case
            when termination_date is not null and termination_date <= period_end_date then effective_terminated_at
            else {{ local_date_end_at('period_end_date', 'timezone') }}
        end as period_to_at,
        -- exclusive end of the charge window, for time-weighted metrics
        case
            when termination_date is not null and termination_date <= period_end_date then effective_terminated_at
            else {{ local_date_start_at(dbt.dateadd('day', 1, 'period_end_date'), 'timezone') }}
        end as period_end_exclusive_at,
        started_at,
        effective_terminated_at as terminated_at,
        as_of_at,
        as_of_date
    from in_scope
)

select * from final
