{{ config(materialized='view') }}
{#- Why an event cannot be billed, first match wins (pricing.md 1); one list for the reason
    text and the flags. The last two rules are about the event's field value: is_charged says
    the event reached a supported charge, is_billable that its value is usable as well. -#}
{%- set unbillable_rules = [
    ("not is_known_metric", "'unknown billable metric code'"),
    ("not is_known_subscription", "'unknown subscription'"),
    ("lago_subscription_id is null", "'no subscription live at the event time'"),
    ("charge_lago_id is null", "'metric not charged on the subscription plan'"),
    ("aggregation_type not in ('count_agg', 'sum_agg', 'max_agg', 'unique_count_agg', 'latest_agg', 'weighted_sum_agg')",
        "'aggregation ' || coalesce(aggregation_type, '?') || ' not supported by rating'"),
    ("aggregation_type in ('sum_agg', 'max_agg', 'latest_agg', 'weighted_sum_agg') and field_value is null",
        "'field ' || coalesce(field_name, '?') || ' missing or not numeric'"),
    ("aggregation_type = 'unique_count_agg' and field_value_text is null",
        "'field ' || coalesce(field_name, '?') || ' missing'"),
    ("aggregation_type = 'unique_count_agg' and operation_type not in ('add', 'remove')",
        "'operation_type ' || operation_type || ' not add or remove'"),
] -%}
{%- set charge_rule_count = 5 -%}
-- Every usage event resolved to what bills it: the subscription version live at its instant
-- (upgrades share the external id), each charge of that plan on its metric, the charge filter
-- it matches (0 = default properties), its pricing group and its local day. Events that
-- cannot be billed keep a reason instead of vanishing (pricing.md 1).
with events as (
    select * from {{ ref('stg_usage__events') }}
),

metrics as (
    select * from {{ ref('stg_lago__billable_metrics') }}
),

subscriptions as (
    select * from {{ ref('stg_lago__subscriptions') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

charges as (
    select * from {{ ref('stg_lago__charges') }}
),

filter_values as (
    select * from {{ ref('stg_lago__charge_filter_values') }}
),

known_subscriptions as (
    select distinct external_subscription_id from subscriptions
),

-- Versions of one external subscription get half-open validity ranges that never overlap:
-- up to the next version's start (an upgrade instant belongs to the new version), else up to
-- and including the termination instant. Each event then matches at most one version.
versions as (
    select
        subscriptions.*,
        lead(started_at) over (partition by external_subscription_id order by started_at) as next_started_at,
        -- a scheduled end (ending_at) stops usage like a termination
        coalesce(terminated_at, ending_at) as ended_at
    from subscriptions
    where started_at is not null
),

validity as (
    select
        versions.lago_subscription_id,
        versions.external_subscription_id,
        versions.plan_code,
        versions.started_at,
        case
            when next_started_at is not null and (ended_at is null or next_started_at <= ended_at)
                then next_started_at
            when ended_at is not null then {{ dbt.dateadd('microsecond', 1, 'ended_at') }}
        end as valid_to_exclusive_at,
        coalesce(customers.timezone, entities.timezone, 'UTC') as timezone
    from versions
    left join customers on versions.external_customer_id = customers.external_customer_id
    left join entities on customers.billing_entity_code = entities.billing_entity_code
),

located as (
    select
        events.*,
        metrics.aggregation_type,
        metrics.field_name,
        metrics.billable_metric_code is not null as is_known_metric,
        known_subscriptions.external_subscription_id is not null as is_known_subscription,
        validity.lago_subscription_id,
        validity.plan_code,
        validity.timezone
    from events
    left join metrics on events.billable_metric_code = metrics.billable_metric_code
    left join known_subscriptions on events.external_subscription_id = known_subscriptions.external_subscription_id
    left join validity
        on events.external_subscription_id = validity.external_subscription_id
        and events.event_at >= validity.started_at
        and (validity.valid_to_exclusive_at is null or events.event_at < validity.valid_to_exclusive_at)
),

charged as (
    select
        located.*,
        charges.charge_lago_id,
        charges.charge_model,
        charges.is_pay_in_advance,
        charges.pricing_group_keys
    from located
    left join charges
        on located.plan_code = charges.plan_code
        and located.billable_metric_code = charges.billable_metric_code
),

filter_sizes as (
    select charge_lago_id, charge_filter_index, count(distinct filter_key) as key_count
    from filter_values
    group by charge_lago_id, charge_filter_index
),

-- a filter matches when every one of its keys matches; the most specific filter wins,
-- then the first in the charge's list (documented choice). Read from its own scan of the
-- events (not from `charged`): a CTE referenced twice is materialized by DuckDB, which would
-- stop the incremental date filter from reaching the event scan. With no charge filters the
-- inner joins are empty and the planner drops this branch.
filter_hits as (
    select
        filtered_events.event_key,
        filter_charges.charge_lago_id,
        filter_values.charge_filter_index,
        count(distinct filter_values.filter_key) as hit_count
    from {{ ref('stg_usage__events') }} as filtered_events
    inner join validity as filter_validity
        on filtered_events.external_subscription_id = filter_validity.external_subscription_id
        and filtered_events.event_at >= filter_validity.started_at
        and (filter_validity.valid_to_exclusive_at is null or filtered_events.event_at < filter_validity.valid_to_exclusive_at)
    inner join charges as filter_charges
        on filter_validity.plan_code = filter_charges.plan_code
        and filtered_events.billable_metric_code = filter_charges.billable_metric_code
    inner join filter_values
        on filter_charges.charge_lago_id = filter_values.charge_lago_id
        and (
            {{ json_get('filtered_events.properties_json', 'filter_values.filter_key') }} = filter_values.filter_value
            or (filter_values.is_any_value and {{ json_get('filtered_events.properties_json', 'filter_values.filter_key') }} is not null)
        )
    group by filtered_events.event_key, filter_charges.charge_lago_id, filter_values.charge_filter_index
),

filter_matches as (
    select
        filter_hits.event_key,
        filter_hits.charge_lago_id,
        filter_hits.charge_filter_index,
        row_number() over (
            partition by filter_hits.event_key, filter_hits.charge_lago_id
            order by filter_sizes.key_count desc, filter_hits.charge_filter_index
        ) as filter_rank
    from filter_hits
    inner join filter_sizes
        on filter_hits.charge_lago_id = filter_sizes.charge_lago_id
        and filter_hits.charge_filter_index = filter_sizes.charge_filter_index
        and filter_hits.hit_count = filter_sizes.key_count
),

valued as (
    select
        charged.*,
        coalesce(filter_matches.charge_filter_index, 0) as charge_filter_index,
        {{ pricing_group_label('charged.pricing_group_keys', 'charged.properties_json') }} as grouped_by,
        {{ json_get('charged.properties_json', 'charged.field_name') }} as field_value_text,
        {{ safe_decimal(json_get('charged.properties_json', 'charged.field_name')) }} as field_value,
        -- unique counts only (pricing.md 1): `add` when absent; read for those events alone,
        -- so other metrics do not pay for a second JSON lookup
        case when charged.aggregation_type = 'unique_count_agg'
            then coalesce({{ json_get('charged.properties_json', "'operation_type'") }}, 'add')
        end as operation_type
    from charged
    left join filter_matches
        on charged.event_key = filter_matches.event_key
        and charged.charge_lago_id = filter_matches.charge_lago_id
        and filter_matches.filter_rank = 1
),

final as (
    select
        event_key,
        transaction_id,
        external_subscription_id,
        external_customer_id,
        billable_metric_code,
        aggregation_type,
        field_name,
        lago_subscription_id,
        plan_code,
        charge_lago_id,
        charge_model,
        is_pay_in_advance,
        charge_filter_index,
        grouped_by,
        event_at,
        event_date,
        {{ utc_to_local_date('event_at', 'timezone') }} as usage_date,
        timezone,
        field_value_text,
        field_value,
        operation_type,
        precise_total_amount_cents,
        properties_json,
        case
            {%- for rule in unbillable_rules %}
            when {{ rule[0] }} then {{ rule[1] }}
            {%- endfor %}
        end as unbillable_reason,
        -- the same rules as flags: readers test them instead of building the reason text for
        -- every event just to compare it with null
        case
            {%- for rule in unbillable_rules[:charge_rule_count] %}
            when {{ rule[0] }} then false
            {%- endfor %}
            else true
        end as is_charged,
        case
            {%- for rule in unbillable_rules %}
            when {{ rule[0] }} then false
            {%- endfor %}
            else true
        end as is_billable,
        _source_file,
        _row_number,
        _ingested_at
    from valued
)

select * from final
