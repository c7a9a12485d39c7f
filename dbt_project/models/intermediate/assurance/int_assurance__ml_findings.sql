-- The ML flags as findings (docs/assurance.md §3): the flagged rows of ml.anomaly_scores (the
-- Dagster asset ml/anomaly_scores writes it before this model runs), one finding per
-- subscription × metric × kind × month for usage (its flagged days are the evidence) and one
-- per invoice for invoice amounts. Not sized: an anomaly says "look here", not how much leaked
-- (amount_at_risk_minor 0, direction none); the rule checks size the money.
with scores as (
    select * from {{ source('ml', 'anomaly_scores') }}
),

invoice_features as (
    select * from {{ ref('int_assurance__invoice_features') }}
),

subscriptions as (
    select * from {{ ref('stg_lago__subscriptions') }}
),

plans as (
    select plan_code, currency from {{ ref('stg_lago__plans') }}
),

severities as (
    select 'usage_spike' as reason_code, 'low' as severity
    union all select 'usage_drop', 'low'
    union all select 'usage_silence', 'medium'
    union all select 'invoice_amount_anomaly', 'low'
),

-- the subscription's currency: its plan's (every version of one subscription bills in one)
subscription_currencies as (
    select subscriptions.external_subscription_id, max(plans.currency) as currency
    from subscriptions
    inner join plans on subscriptions.plan_code = plans.plan_code
    group by subscriptions.external_subscription_id
),

flagged_usage as (
    select
        scores.*,
        cast({{ dbt.date_trunc('month', 'scores.score_date') }} as date) as period_month
    from scores
    where scores.is_flagged and scores.entity_type = 'usage'
),

-- the month's strongest day speaks for the finding (the earliest day on a tie)
ranked_usage as (
    select
        flagged_usage.*,
        row_number() over (
            partition by external_subscription_id, metric_code, kind, period_month
            order by score desc, score_date
        ) as strength_rank
    from flagged_usage
),

usage_groups as (
    select
        external_subscription_id,
        metric_code,
        kind,
        period_month,
        max(external_customer_id) as external_customer_id,
        min(score_date) as first_flagged_date,
        count(*) as flagged_days,
        {{ dbt.listagg("'ml.anomaly_scores:' || score_id", "'; '", "order by score_date") }} as evidence
    from flagged_usage
    group by external_subscription_id, metric_code, kind, period_month
),

usage_findings as (
    select
        usage_groups.kind as reason_code,
        {{ dbt.concat(["usage_groups.external_subscription_id", "'|'", "usage_groups.metric_code", "'|'", "cast(usage_groups.period_month as " ~ dbt.type_string() ~ ")"]) }} as finding_key,
        'ml_usage' as rule_code,
        usage_groups.external_customer_id,
        usage_groups.external_subscription_id,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        cast(null as {{ dbt.type_string() }}) as invoice_number,
        cast(null as {{ dbt.type_boolean() }}) as invoice_is_finalized,
        usage_groups.period_month,
        subscription_currencies.currency,
        {{ dbt.concat([
            "replace(usage_groups.kind, '_', ' ')",
            "' on ' || usage_groups.metric_code || ' of subscription ' || usage_groups.external_subscription_id",
            "', ' || cast(usage_groups.flagged_days as " ~ dbt.type_string() ~ ") || ' day(s) flagged in the month, strongest '",
            "cast(ranked_usage.score_date as " ~ dbt.type_string() ~ ")",
            "': ' || ranked_usage.top_features",
            "' (anomaly score ' || cast(cast(ranked_usage.score as decimal(10, 2)) as " ~ dbt.type_string() ~ ") || ')'",
        ]) }} as reason_text,
        usage_groups.evidence,
        usage_groups.first_flagged_date as detected_on
    from usage_groups
    inner join ranked_usage
        on usage_groups.external_subscription_id = ranked_usage.external_subscription_id
        and usage_groups.metric_code = ranked_usage.metric_code
        and usage_groups.kind = ranked_usage.kind
        and usage_groups.period_month = ranked_usage.period_month
        and ranked_usage.strength_rank = 1
    left join subscription_currencies
        on usage_groups.external_subscription_id = subscription_currencies.external_subscription_id
),

invoice_findings as (
    select
        scores.kind as reason_code,
        scores.invoice_id as finding_key,
        'ml_invoice' as rule_code,
        invoice_features.external_customer_id,
        -- the subscription whose usage fee the flag names (billed over its metered units), else null
        scores.external_subscription_id,
        scores.invoice_id,
        invoice_features.invoice_number,
        invoice_features.is_finalized as invoice_is_finalized,
        invoice_features.service_month as period_month,
        invoice_features.currency,
        {{ dbt.concat([
            "'invoice amount anomaly on invoice ' || coalesce(invoice_features.invoice_number, scores.invoice_id)",
            "': ' || scores.top_features",
            "' (anomaly score ' || cast(cast(scores.score as decimal(10, 2)) as " ~ dbt.type_string() ~ ") || ')'",
        ]) }} as reason_text,
        {{ dbt.concat(["'ml.anomaly_scores:'", "scores.score_id", "'; intermediate.int_assurance__invoice_features:'", "scores.invoice_id"]) }} as evidence,
        invoice_features.issuing_date as detected_on
    from scores
    inner join invoice_features on scores.invoice_id = invoice_features.invoice_id
    where scores.is_flagged and scores.entity_type = 'invoice'
),

findings as (
    select * from usage_findings
    union all
    select * from invoice_findings
),

sized_findings as (
    select
        findings.*,
        severities.severity,
        cast(0 as {{ dbt.type_bigint() }}) as amount_at_risk_minor,
        'none' as direction
    from findings
    inner join severities on findings.reason_code = severities.reason_code
),

final as (
    {{ assurance_rule_findings('sized_findings', source='ml') }}
)

select * from final
