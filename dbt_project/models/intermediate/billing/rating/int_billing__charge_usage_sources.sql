-- What every charge period reads its usage from (pricing.md 1, recurring carry-over): one row
-- per charge period × charge × charge filter × source (subscription version and charge whose
-- usage_daily rows it reads). The first row of each charge period × charge × filter is its
-- own version and charge (is_carried false: for recurring metrics every day since the
-- subscription started, otherwise the window's days); for recurring metrics, one more row per
-- earlier version of the external subscription (upgrade, downgrade), read through that
-- version's handover charge (is_carried true). Every row carries the charge period's and the
-- charge's attributes, so int_billing__charge_usage reads its spine here (is_carried false).
with charge_periods as (
    select * from {{ ref('int_billing__charge_periods') }}
),

charges as (
    select * from {{ ref('stg_lago__charges') }}
),

charge_filters as (
    select * from {{ ref('stg_lago__charge_filters') }}
),

metrics as (
    select * from {{ ref('stg_lago__billable_metrics') }}
),

filter_indexes as (
    select charge_lago_id, 0 as charge_filter_index from charges
    union all
    select charge_lago_id, charge_filter_index from charge_filters
),

spine as (
    select
        charge_periods.charge_period_id,
        charge_periods.lago_subscription_id,
        charge_periods.charge_service_start_date,
        charge_periods.charge_service_end_date,
        charge_periods.charge_full_period_days,
        charge_periods.charge_from_at,
        charge_periods.charge_end_exclusive_at,
        charges.charge_lago_id,
        charges.billable_metric_code,
        charges.is_prorated,
        metrics.aggregation_type,
        metrics.is_recurring,
        metrics.rounding_function,
        metrics.rounding_precision,
        filter_indexes.charge_filter_index
    from charge_periods
    inner join charges on charge_periods.plan_code = charges.plan_code
    inner join metrics on charges.billable_metric_code = metrics.billable_metric_code
    inner join filter_indexes on charges.charge_lago_id = filter_indexes.charge_lago_id
),

-- Versions of one external subscription (upgrade, downgrade) keep the external id; a
-- version starts at its first charge period's opening instant.
versions as (
    select
        lago_subscription_id,
        external_subscription_id,
        plan_code,
        min(charge_from_at) as version_started_at
    from charge_periods
    group by lago_subscription_id, external_subscription_id, plan_code
),

-- Events reach every charge of the plan on their metric, so an earlier version hands over
-- the usage of one charge per metric (the lowest id): two charges on one metric would
-- otherwise carry the same events twice.
handover_charges as (
    select plan_code, billable_metric_code, min(charge_lago_id) as charge_lago_id
    from charges
    group by plan_code, billable_metric_code
),

-- Recurring levels live on the external subscription, not on a version (Lago scopes
-- recurring events by external id): every earlier version's usage on the same metric, same
-- filter index, is carried into the period. Non-recurring metrics never carry.
carried_sources as (
    select
        spine.charge_period_id,
        spine.charge_lago_id,
        spine.charge_filter_index,
        spine.charge_service_start_date,
        spine.charge_service_end_date,
        earlier_versions.lago_subscription_id as source_subscription_id,
        handover_charges.charge_lago_id as source_charge_lago_id
    from spine
    inner join versions as current_versions
        on spine.lago_subscription_id = current_versions.lago_subscription_id
    inner join versions as earlier_versions
        on current_versions.external_subscription_id = earlier_versions.external_subscription_id
        and earlier_versions.version_started_at < current_versions.version_started_at
    inner join handover_charges
        on earlier_versions.plan_code = handover_charges.plan_code
        and spine.billable_metric_code = handover_charges.billable_metric_code
    where spine.is_recurring
        and spine.aggregation_type in ('sum_agg', 'unique_count_agg', 'weighted_sum_agg')
),

-- Where a period's usage is read from: its own version and charge (for recurring metrics,
-- seats, every day since the subscription started; otherwise the window's days), and for
-- recurring metrics the earlier versions' handover charge. An earlier version's days are all
-- before this version started (its events resolve to it only while it was live), so they
-- only open the level; only the version's own window days count for events_count and latest.
usage_sources as (
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        charge_service_start_date,
        charge_service_end_date,
        lago_subscription_id as source_subscription_id,
        charge_lago_id as source_charge_lago_id,
        false as is_carried,
        is_recurring as has_no_lower_bound
    from spine
    union all
    select
        charge_period_id,
        charge_lago_id,
        charge_filter_index,
        charge_service_start_date,
        charge_service_end_date,
        source_subscription_id,
        source_charge_lago_id,
        true as is_carried,
        true as has_no_lower_bound
    from carried_sources
),

final as (
    select
        spine.*,
        usage_sources.source_subscription_id,
        usage_sources.source_charge_lago_id,
        usage_sources.is_carried,
        usage_sources.has_no_lower_bound
    from usage_sources
    inner join spine
        on usage_sources.charge_period_id = spine.charge_period_id
        and usage_sources.charge_lago_id = spine.charge_lago_id
        and usage_sources.charge_filter_index = spine.charge_filter_index
)

select * from final
