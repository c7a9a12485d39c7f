{#- ARPA and LTV per month and currency (B4, B7, B8): paying customers and MRR at the month-end
    snapshot, ARPA stored exact as numerator and denominator, LTV = ARPA x gross margin / the
    mean monthly logo churn rate of the six months ending with M (the months that have one),
    each cut (billing entity or all entities × segment) from its own customers and its own
    churn rates. -#}
with movements as (
    select * from {{ ref('int_metrics__mrr_movements') }}
),

cuts as (
    select * from {{ ref('int_metrics__customer_cuts') }}
),

rates as (
    select * from {{ ref('fct_mrr_rates') }}
    where window_months = 1
),

settings as (
    select * from {{ ref('stg_reference__settings') }}
),

gross_margin as (
    select cast(value as decimal(9, 6)) as ltv_gross_margin
    from settings
    where key = 'ltv_gross_margin'
),

snapshots as (
    select 'document' as currency_basis, currency, external_customer_id, month, closing_mrr_minor as closing_minor
    from movements
    union all
    select 'reporting', reporting_currency, external_customer_id, month, closing_mrr_reporting_minor
    from movements
    where is_month_converted
),

-- trial and free customers have no MRR, so they are not paying (B7)
paying as (
    select
        snapshots.month,
        snapshots.currency_basis,
        snapshots.currency,
        cuts.billing_entity_code,
        cuts.segment_type,
        cuts.segment_value,
        sum(snapshots.closing_minor) as mrr_minor,
        count(distinct case when snapshots.closing_minor > 0 then snapshots.external_customer_id end)
            as paying_customers
    from snapshots
    inner join cuts on snapshots.external_customer_id = cuts.external_customer_id
    group by
        snapshots.month, snapshots.currency_basis, snapshots.currency,
        cuts.billing_entity_code, cuts.segment_type, cuts.segment_value
),

churn_6m as (
    select
        paying.month,
        paying.currency_basis,
        paying.currency,
        paying.billing_entity_code,
        paying.segment_type,
        paying.segment_value,
        count(rates.logo_churn_rate) as churn_months,
        {{ exact_divide('sum(rates.logo_churn_rate)', 'count(rates.logo_churn_rate)') }} as mean_logo_churn_rate_6m
    from paying
    left join rates
        on paying.currency_basis = rates.currency_basis
        and paying.currency = rates.currency
        and paying.billing_entity_code = rates.billing_entity_code
        and paying.segment_type = rates.segment_type
        and paying.segment_value = rates.segment_value
        and rates.month <= paying.month
        and rates.month > cast({{ dbt.dateadd('month', -6, 'paying.month') }} as date)
    group by
        paying.month, paying.currency_basis, paying.currency,
        paying.billing_entity_code, paying.segment_type, paying.segment_value
),

final as (
    select
        paying.month,
        paying.currency_basis,
        paying.currency,
        paying.billing_entity_code,
        paying.segment_type,
        paying.segment_value,
        cast(paying.mrr_minor as bigint) as mrr_minor,
        cast(12 * paying.mrr_minor as bigint) as arr_minor,
        cast(paying.paying_customers as bigint) as paying_customers,
        {{ exact_divide('paying.mrr_minor', 'paying.paying_customers') }} as arpa_exact_minor,
        {{ round_minor(exact_divide('paying.mrr_minor', 'paying.paying_customers')) }} as arpa_minor,
        gross_margin.ltv_gross_margin,
        cast(churn_6m.churn_months as integer) as churn_months,
        churn_6m.mean_logo_churn_rate_6m,
        -- never round ARPA before multiplying (metrics-and-revrec.md 0); null when churn is 0
        {{ round_minor(exact_divide(
            'paying.mrr_minor * gross_margin.ltv_gross_margin',
            'paying.paying_customers * nullif(churn_6m.mean_logo_churn_rate_6m, 0)'
        )) }} as ltv_minor
    from paying
    inner join churn_6m
        on paying.month = churn_6m.month
        and paying.currency_basis = churn_6m.currency_basis
        and paying.currency = churn_6m.currency
        and paying.billing_entity_code = churn_6m.billing_entity_code
        and paying.segment_type = churn_6m.segment_type
        and paying.segment_value = churn_6m.segment_value
    cross join gross_margin
)

select * from final
