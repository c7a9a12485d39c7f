-- Recovery per entry cohort month x currency x attempt number (collections.md 7). The cohort's
-- entered amount repeats on each of its attempt rows; recovery_rate is this attempt's share, so
-- the cohort's rate is the sum of its rows' rates. Days to recover are over the positive cash
-- movements attributed to the attempt.
with entries as (
    select * from {{ ref('int_collections__dunning_entries') }}
),

recoveries as (
    select * from {{ ref('int_collections__dunning_recoveries') }}
),

attempt_invoices as (
    select * from {{ ref('int_collections__dunning_attempt_invoices') }}
),

cohorts as (
    select cohort_month, currency, sum(entered_amount_minor) as entered_amount_minor
    from entries
    group by cohort_month, currency
),

cohort_attempts as (
    select distinct entries.cohort_month, entries.currency, attempt_invoices.attempt_number
    from entries
    inner join attempt_invoices
        on entries.invoice_source = attempt_invoices.invoice_source
        and entries.invoice_id = attempt_invoices.invoice_id
    union
    select distinct cohort_month, currency, attempt_number
    from recoveries
    where attempt_number is not null
),

recovered as (
    select
        cohort_month,
        currency,
        attempt_number,
        sum(amount_minor) as recovered_amount_minor,
        sum(case when amount_minor > 0 then amount_minor * days_to_recover end) as weighted_days,
        sum(case when amount_minor > 0 then amount_minor end) as positive_amount_minor,
        percentile_cont(0.5) within group (order by case when amount_minor > 0 then days_to_recover end)
            as median_days_to_recover
    from recoveries
    group by cohort_month, currency, attempt_number
),

final as (
    select
        cohort_attempts.cohort_month,
        cohort_attempts.currency,
        cast(cohort_attempts.attempt_number as integer) as attempt_number,
        cast(cohorts.entered_amount_minor as bigint) as cohort_entered_amount_minor,
        cast(coalesce(recovered.recovered_amount_minor, 0) as bigint) as recovered_amount_minor,
        cast(
            {{ exact_divide('coalesce(recovered.recovered_amount_minor, 0)', 'cohorts.entered_amount_minor') }}
            as decimal(18, 6)
        ) as recovery_rate,
        cast(recovered.median_days_to_recover as decimal(10, 1)) as median_days_to_recover,
        cast(
            {{ exact_divide('recovered.weighted_days', 'recovered.positive_amount_minor') }}
            as decimal(10, 1)
        ) as weighted_mean_days_to_recover
    from cohort_attempts
    inner join cohorts
        on cohort_attempts.cohort_month = cohorts.cohort_month
        and cohort_attempts.currency = cohorts.currency
    left join recovered
        on cohort_attempts.cohort_month = recovered.cohort_month
        and cohort_attempts.currency = recovered.currency
        and cohort_attempts.attempt_number = recovered.attempt_number
)

select * from final
