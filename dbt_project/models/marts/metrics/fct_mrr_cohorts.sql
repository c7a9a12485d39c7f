{#- Cohort retention tables (B9): a customer's cohort is the month of its first month-end with
    MRR > 0 and it stays there after a churn and a reactivation. For each cohort and age k: logo
    and MRR retention at the end of month cohort + k. In the reporting currency both the
    cohort's starting MRR and its MRR at c + k are at the rate of c + k (constant currency, as
    B6), so FX never moves retention. Each cut (billing entity or all entities × segment) holds
    the cohort's customers in it; the whole book is billing_entity_code = 'all', segment 'all'. -#}
with movements as (
    select * from {{ ref('int_metrics__mrr_movements') }}
),

cuts as (
    select * from {{ ref('int_metrics__customer_cuts') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

members as (
    select
        external_customer_id,
        currency,
        month as cohort_month,
        closing_mrr_minor as cohort_mrr_minor
    from movements
    where month = first_paying_month and closing_mrr_minor > 0
),

aged as (
    select
        members.external_customer_id,
        members.currency,
        movements.reporting_currency,
        members.cohort_month,
        {{ dbt.datediff('members.cohort_month', 'movements.month', 'month') }} as months_since_cohort,
        members.cohort_mrr_minor,
        -- unchanged MRR is worth exactly the closing at c + k (see int_metrics__mrr_movements)
        case
            when members.cohort_mrr_minor = movements.closing_mrr_minor then movements.closing_mrr_reporting_minor
            else {{ mrr_to_reporting_minor('members.cohort_mrr_minor', 'movements.fx_rate', 'document_currency.minor_unit_exponent', 'reporting_currency.minor_unit_exponent') }}
        end as cohort_mrr_reporting_minor,
        movements.closing_mrr_minor,
        movements.closing_mrr_reporting_minor,
        movements.is_month_converted
    from members
    inner join movements
        on members.external_customer_id = movements.external_customer_id
        and members.currency = movements.currency
        and movements.month >= members.cohort_month
    left join currencies as document_currency on members.currency = document_currency.currency
    left join currencies as reporting_currency on movements.reporting_currency = reporting_currency.currency
),

in_both_bases as (
    select
        'document' as currency_basis, currency, external_customer_id, cohort_month, months_since_cohort,
        cohort_mrr_minor as starting_minor, closing_mrr_minor as closing_minor
    from aged
    union all
    select
        'reporting', reporting_currency, external_customer_id, cohort_month, months_since_cohort,
        cohort_mrr_reporting_minor, closing_mrr_reporting_minor
    from aged
    where is_month_converted
),

totals as (
    select
        in_both_bases.cohort_month,
        in_both_bases.months_since_cohort,
        in_both_bases.currency_basis,
        in_both_bases.currency,
        cuts.billing_entity_code,
        cuts.segment_type,
        cuts.segment_value,
        count(distinct in_both_bases.external_customer_id) as cohort_customers,
        count(distinct case when in_both_bases.closing_minor > 0 then in_both_bases.external_customer_id end)
            as retained_customers,
        sum(in_both_bases.starting_minor) as cohort_starting_mrr_minor,
        sum(in_both_bases.closing_minor) as mrr_minor
    from in_both_bases
    inner join cuts on in_both_bases.external_customer_id = cuts.external_customer_id
    group by
        in_both_bases.cohort_month, in_both_bases.months_since_cohort, in_both_bases.currency_basis,
        in_both_bases.currency, cuts.billing_entity_code, cuts.segment_type, cuts.segment_value
),

final as (
    select
        cohort_month,
        cast(months_since_cohort as integer) as months_since_cohort,
        cast({{ dbt.dateadd('month', 'months_since_cohort', 'cohort_month') }} as date) as month,
        currency_basis,
        currency,
        billing_entity_code,
        segment_type,
        segment_value,
        cast(cohort_customers as bigint) as cohort_customers,
        cast(retained_customers as bigint) as retained_customers,
        {{ exact_divide('retained_customers', 'cohort_customers') }} as logo_retention,
        cast(cohort_starting_mrr_minor as bigint) as cohort_starting_mrr_minor,
        cast(mrr_minor as bigint) as mrr_minor,
        {{ exact_divide('mrr_minor', 'cohort_starting_mrr_minor') }} as mrr_retention
    from totals
)

select * from final
