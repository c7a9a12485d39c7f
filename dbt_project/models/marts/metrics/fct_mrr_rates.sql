{#- Churn, retention and quick ratio per month, currency and window of 1, 3 or 12 months ending
    with the month (B5, B6): each window compares the customer's snapshot at its own opening
    (end of M-W) with the one at the end of M, never adding monthly rates. Amounts of both
    snapshots in the reporting currency are at M's rate (constant currency, B6), so FX never
    moves a rate. Each cut (billing entity or all entities × segment) sums its own customers'
    numerators and denominators; the whole book is billing_entity_code = 'all', segment 'all'. -#}
with movements as (
    select * from {{ ref('int_metrics__mrr_movements') }}
),

cuts as (
    select * from {{ ref('int_metrics__customer_cuts') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

window_lengths as (
    select 1 as window_months
    union all
    select 3
    union all
    select 12
),

book_start as (
    select min(month) as first_month from movements
),

-- a window is reported once the book holds its opening snapshot
window_ends as (
    select
        movements.*,
        window_lengths.window_months,
        cast({{ dbt.dateadd('month', '-window_lengths.window_months', 'movements.month') }} as date) as start_month
    from movements
    cross join window_lengths
    cross join book_start
    where cast({{ dbt.dateadd('month', '-window_lengths.window_months', 'movements.month') }} as date) >= book_start.first_month
),

paired as (
    select
        window_ends.external_customer_id,
        window_ends.currency,
        window_ends.reporting_currency,
        window_ends.month,
        window_ends.window_months,
        window_ends.first_paying_month <= window_ends.start_month as had_paid_by_start,
        coalesce(starts.closing_mrr_minor, 0) as start_minor,
        window_ends.closing_mrr_minor as end_minor,
        -- unchanged MRR is worth exactly the closing at M (see int_metrics__mrr_movements)
        case
            when starts.closing_mrr_minor = window_ends.closing_mrr_minor then window_ends.closing_mrr_reporting_minor
            else coalesce({{ mrr_to_reporting_minor('starts.closing_mrr_minor', 'window_ends.fx_rate', 'document_currency.minor_unit_exponent', 'reporting_currency.minor_unit_exponent') }}, 0)
        end as start_reporting_minor,
        window_ends.closing_mrr_reporting_minor as end_reporting_minor,
        window_ends.is_month_converted
    from window_ends
    left join movements as starts
        on window_ends.external_customer_id = starts.external_customer_id
        and window_ends.currency = starts.currency
        and window_ends.start_month = starts.month
    left join currencies as document_currency on window_ends.currency = document_currency.currency
    left join currencies as reporting_currency on window_ends.reporting_currency = reporting_currency.currency
),

-- the unit counted: a customer in a document currency, or a customer across its currencies
units as (
    select
        'document' as currency_basis,
        currency,
        external_customer_id,
        month,
        window_months,
        had_paid_by_start,
        start_minor,
        end_minor
    from paired
    union all
    select
        'reporting' as currency_basis,
        reporting_currency,
        external_customer_id,
        month,
        window_months,
        max(case when had_paid_by_start then 1 else 0 end) = 1,
        sum(start_reporting_minor),
        sum(end_reporting_minor)
    from paired
    where is_month_converted
    group by reporting_currency, external_customer_id, month, window_months
),

-- B3's buckets over the window (for one month exactly the month's movement)
bucketed as (
    select
        units.*,
        case when start_minor = 0 and end_minor > 0 and not had_paid_by_start then end_minor else 0 end as new_minor,
        case when start_minor > 0 and end_minor > start_minor then end_minor - start_minor else 0 end as expansion_minor,
        case when start_minor > 0 and end_minor > 0 and end_minor < start_minor then start_minor - end_minor else 0 end as contraction_minor,
        case when start_minor > 0 and end_minor = 0 then start_minor else 0 end as churn_minor,
        case when start_minor = 0 and end_minor > 0 and had_paid_by_start then end_minor else 0 end as reactivation_minor,
        case when start_minor > 0 then end_minor else 0 end as cohort_end_minor,
        case when start_minor > 0 and end_minor < start_minor then end_minor when start_minor > 0 then start_minor else 0 end
            as cohort_capped_end_minor
    from units
),

totals as (
    select
        bucketed.month,
        bucketed.currency_basis,
        bucketed.currency,
        bucketed.window_months,
        cuts.billing_entity_code,
        cuts.segment_type,
        cuts.segment_value,
        sum(case when start_minor > 0 then 1 else 0 end) as opening_customers,
        sum(case when start_minor > 0 and end_minor = 0 then 1 else 0 end) as churned_customers,
        sum(start_minor) as opening_mrr_minor,
        sum(new_minor) as new_minor,
        sum(expansion_minor) as expansion_minor,
        sum(contraction_minor) as contraction_minor,
        sum(churn_minor) as churn_minor,
        sum(reactivation_minor) as reactivation_minor,
        sum(cohort_end_minor) as cohort_end_mrr_minor,
        sum(cohort_capped_end_minor) as cohort_capped_end_mrr_minor
    from bucketed
    inner join cuts on bucketed.external_customer_id = cuts.external_customer_id
    group by
        bucketed.month, bucketed.currency_basis, bucketed.currency, bucketed.window_months,
        cuts.billing_entity_code, cuts.segment_type, cuts.segment_value
),

final as (
    select
        month,
        currency_basis,
        currency,
        window_months,
        billing_entity_code,
        segment_type,
        segment_value,
        cast(opening_customers as bigint) as opening_customers,
        cast(churned_customers as bigint) as churned_customers,
        {{ exact_divide('churned_customers', 'opening_customers') }} as logo_churn_rate,
        cast(opening_mrr_minor as bigint) as opening_mrr_minor,
        cast(new_minor as bigint) as new_minor,
        cast(expansion_minor as bigint) as expansion_minor,
        cast(contraction_minor as bigint) as contraction_minor,
        cast(churn_minor as bigint) as churn_minor,
        cast(reactivation_minor as bigint) as reactivation_minor,
        cast(churn_minor + contraction_minor as bigint) as gross_mrr_churn_minor,
        {{ exact_divide('churn_minor + contraction_minor', 'opening_mrr_minor') }} as gross_mrr_churn_rate,
        cast(churn_minor + contraction_minor - expansion_minor - reactivation_minor as bigint) as net_mrr_churn_minor,
        {{ exact_divide('churn_minor + contraction_minor - expansion_minor - reactivation_minor', 'opening_mrr_minor') }}
            as net_mrr_churn_rate,
        cast(cohort_end_mrr_minor as bigint) as cohort_end_mrr_minor,
        {{ exact_divide('cohort_end_mrr_minor', 'opening_mrr_minor') }} as nrr,
        cast(cohort_capped_end_mrr_minor as bigint) as cohort_capped_end_mrr_minor,
        {{ exact_divide('cohort_capped_end_mrr_minor', 'opening_mrr_minor') }} as grr,
        cast(new_minor + expansion_minor + reactivation_minor as bigint) as quick_ratio_gain_minor,
        {{ exact_divide('new_minor + expansion_minor + reactivation_minor', 'churn_minor + contraction_minor') }} as quick_ratio
    from totals
)

select * from final
