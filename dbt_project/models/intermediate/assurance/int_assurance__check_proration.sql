-- Plan fees of partial periods billed without proration or with the wrong one (docs/assurance.md
-- §3, rule `proration`), recomputed from the subscription and its plan by pricing.md §3 alone,
-- never from the rating models, so a rating bug cannot hide an invoicing one.
-- For each plan-fee line under review: the full billing period holding its first service day
-- (calendar: months from the 1st, quarters Jan/Apr/Jul/Oct, half years Jan/Jul, years Jan 1,
-- weeks from Monday; anniversary: from the subscription date, the day clamped to short months),
-- the days the plan should bill in it (not before the subscription version's start, nor the
-- trial end = first start of the external id + trial days; in arrears not after the
-- termination day, or the day before an upgrade), and expected = round(plan amount × days ÷
-- days of the full period). Only partial periods are judged (expected or billed days short of
-- the full period): a full period at the wrong price is a contract finding, not a proration one.
-- proration_missing: the full plan amount was billed for a partial period; proration_wrong:
-- any other difference of one minor unit or more. Amount = |billed − expected|.
with review_lines as (
    select * from {{ ref('int_assurance__review_invoice_lines') }}
    where fee_type = 'subscription'
),

review_invoices as (
    select * from {{ ref('int_assurance__review_invoices') }}
),

subscriptions as (
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

versions as (
    select
        subscriptions.external_subscription_id,
        subscriptions.lago_subscription_id,
        subscriptions.plan_code,
        subscriptions.billing_time,
        subscriptions.subscription_at,
        subscriptions.started_at,
        subscriptions.terminated_at,
        coalesce(customers.timezone, entities.timezone, 'UTC') as timezone,
        min(subscriptions.started_at) over (partition by subscriptions.external_subscription_id) as first_started_at,
        -- a later version of the same external id starting when this one ended: an upgrade
        case when exists (
            select 1 from subscriptions as successors
            where successors.external_subscription_id = subscriptions.external_subscription_id
                and successors.lago_subscription_id <> subscriptions.lago_subscription_id
                and successors.started_at = subscriptions.terminated_at
        ) then true else false end as is_upgraded_away
    from subscriptions
    left join customers on subscriptions.external_customer_id = customers.external_customer_id
    left join entities on customers.billing_entity_code = entities.billing_entity_code
),

version_dates as (
    select
        versions.*,
        plans.plan_interval,
        plans.amount_minor as plan_amount_minor,
        plans.is_pay_in_advance,
        {{ utc_to_local_date('versions.started_at', 'versions.timezone') }} as start_date,
        {{ utc_to_local_date('versions.subscription_at', 'versions.timezone') }} as anchor_date,
        {{ utc_to_local_date('versions.terminated_at', 'versions.timezone') }} as termination_date,
        cast({{ dbt.dateadd('day', 'cast(floor(plans.trial_period_days) as integer)', utc_to_local_date('versions.first_started_at', 'versions.timezone')) }} as date)
            as trial_end_date,
        case plans.plan_interval
            when 'monthly' then 1 when 'quarterly' then 3 when 'semiannual' then 6 when 'yearly' then 12
        end as interval_months
    from versions
    inner join plans on versions.plan_code = plans.plan_code
),

-- the version the line bills: same external id and plan, live on the line's first service day
line_versions as (
    select * from (
        select
            review_lines.line_id,
            review_lines.invoice_id,
            review_lines.invoice_number,
            review_lines.external_customer_id,
            review_lines.external_subscription_id,
            review_lines.plan_code,
            review_lines.service_from_date,
            review_lines.service_to_date,
            review_lines.amount_minor,
            review_lines.currency,
            review_lines.is_finalized,
            version_dates.billing_time,
            version_dates.plan_interval,
            version_dates.interval_months,
            version_dates.plan_amount_minor,
            version_dates.is_pay_in_advance,
            version_dates.start_date,
            version_dates.termination_date,
            version_dates.is_upgraded_away,
            version_dates.trial_end_date,
            case when version_dates.billing_time = 'anniversary' then version_dates.anchor_date
                when version_dates.plan_interval = 'weekly' then cast('2000-01-03' as date) -- a Monday
                else cast('2000-01-01' as date)
            end as anchor_date,
            row_number() over (
                partition by review_lines.line_id
                order by
                    case when version_dates.start_date <= review_lines.service_to_date
                        and (version_dates.termination_date is null or version_dates.termination_date >= review_lines.service_from_date)
                        then 0 else 1 end,
                    version_dates.started_at desc
            ) as version_rank
        from review_lines
        inner join version_dates
            on review_lines.external_subscription_id = version_dates.external_subscription_id
            and review_lines.plan_code = version_dates.plan_code
    ) ranked
    where version_rank = 1
),

-- whole intervals from the anchor to the first service day, one too many when the clamped
-- anniversary lands after it
period_steps as (
    select
        line_versions.*,
        case when plan_interval = 'weekly'
            then 7 * cast(floor({{ dbt.datediff('anchor_date', 'service_from_date', 'day') }} / 7) as integer)
            else interval_months * cast(floor({{ dbt.datediff('anchor_date', 'service_from_date', 'month') }} / interval_months) as integer)
        end as raw_steps
    from line_versions
),

period_starts as (
    select
        period_steps.*,
        case
            when plan_interval = 'weekly' then cast({{ dbt.dateadd('day', 'raw_steps', 'anchor_date') }} as date)
            when cast({{ dbt.dateadd('month', 'raw_steps', 'anchor_date') }} as date) > service_from_date
                then cast({{ dbt.dateadd('month', 'raw_steps - interval_months', 'anchor_date') }} as date)
            else cast({{ dbt.dateadd('month', 'raw_steps', 'anchor_date') }} as date)
        end as period_start_date,
        case
            when plan_interval = 'weekly' then raw_steps + 7
            when cast({{ dbt.dateadd('month', 'raw_steps', 'anchor_date') }} as date) > service_from_date then raw_steps
            else raw_steps + interval_months
        end as next_steps
    from period_steps
),

periods as (
    select
        period_starts.*,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'next_steps', 'anchor_date')) }} as date) as month_period_end_date,
        cast({{ dbt.dateadd('day', 'next_steps - 1', 'anchor_date') }} as date) as week_period_end_date
    from period_starts
),

expected_windows as (
    select
        periods.*,
        case when plan_interval = 'weekly' then week_period_end_date else month_period_end_date end as period_end_date
    from periods
),

expected_days as (
    select
        expected_windows.*,
        {{ dbt.datediff('period_start_date', 'period_end_date', 'day') }} + 1 as full_period_days,
        {{ dbt.datediff('service_from_date', 'service_to_date', 'day') }} + 1 as billed_days,
        greatest(period_start_date, start_date, coalesce(trial_end_date, start_date)) as expected_from_date,
        case
            when is_pay_in_advance or termination_date is null then period_end_date
            when is_upgraded_away then least(period_end_date, cast({{ dbt.dateadd('day', -1, 'termination_date') }} as date))
            else least(period_end_date, termination_date)
        end as expected_to_date
    from expected_windows
),

expected_amounts as (
    select
        expected_days.*,
        case when expected_to_date >= expected_from_date
            then {{ dbt.datediff('expected_from_date', 'expected_to_date', 'day') }} + 1 else 0
        end as expected_days_count
    from expected_days
),

compared as (
    select
        expected_amounts.*,
        {{ round_minor(exact_divide('plan_amount_minor * expected_days_count', 'full_period_days')) }} as expected_amount_minor
    from expected_amounts
),

differences as (
    select compared.*
    from compared
    where (expected_days_count < full_period_days or billed_days < full_period_days)
        and amount_minor <> expected_amount_minor
),

findings as (
    select
        case when differences.amount_minor = differences.plan_amount_minor and differences.expected_amount_minor < differences.plan_amount_minor
            then 'proration_missing' else 'proration_wrong'
        end as reason_code,
        'medium' as severity,
        differences.external_customer_id,
        differences.external_subscription_id,
        differences.invoice_id,
        differences.invoice_number,
        differences.is_finalized as invoice_is_finalized,
        cast({{ dbt.date_trunc('month', 'differences.service_from_date') }} as date) as period_month,
        differences.currency,
        cast(case when differences.amount_minor > differences.expected_amount_minor
            then differences.amount_minor - differences.expected_amount_minor
            else differences.expected_amount_minor - differences.amount_minor end as {{ dbt.type_bigint() }}) as amount_at_risk_minor,
        case when differences.amount_minor > differences.expected_amount_minor then 'over_billed' else 'under_billed' end as direction,
        'Plan ' || differences.plan_code || ' on ' || differences.external_subscription_id || ' billed '
            || cast(differences.amount_minor as {{ dbt.type_string() }}) || ' for '
            || cast(differences.service_from_date as {{ dbt.type_string() }}) || ' to '
            || cast(differences.service_to_date as {{ dbt.type_string() }}) || '; expected '
            || cast(differences.plan_amount_minor as {{ dbt.type_string() }}) || ' × '
            || cast(differences.expected_days_count as {{ dbt.type_string() }}) || '/'
            || cast(differences.full_period_days as {{ dbt.type_string() }}) || ' days = '
            || cast(differences.expected_amount_minor as {{ dbt.type_string() }}) || ' '
            || differences.currency || ' minor units (period '
            || cast(differences.period_start_date as {{ dbt.type_string() }}) || ' to '
            || cast(differences.period_end_date as {{ dbt.type_string() }}) || ')' as reason_text,
        'int_assurance__review_invoice_lines:' || differences.line_id
            || '; stg_lago__subscriptions:' || differences.external_subscription_id
            || '; stg_lago__plans:' || differences.plan_code as evidence,
        review_invoices.issuing_date as detected_on,
        differences.line_id as finding_key
    from differences
    inner join review_invoices on differences.invoice_id = review_invoices.invoice_id
),

final as (
    {{ assurance_rule_findings('findings', 'proration') }}
)

select * from final
