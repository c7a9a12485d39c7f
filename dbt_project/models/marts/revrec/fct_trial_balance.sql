{#- The trial balance (metrics-and-revrec.md A11): cumulative debits and credits of every account
    of an entity in one document currency at each month end from its first journal line, the
    last period closing at the report date. Functional columns add up the translated lines. -#}
{%- set cumulative_window -%}
    partition by account_periods.billing_entity_code, account_periods.account_role, account_periods.account_code,
        account_periods.currency
    order by account_periods.period_start
    rows between unbounded preceding and current row
{%- endset -%}

with lines as (
    select * from {{ ref('fct_journal_lines') }}
),

series as (
    select generated_number - 1 as month_offset from ({{ dbt.generate_series(1200) }}) as numbers
),

-- the one report date of revenue recognition (the last whole day before as_of)
report_date as (
    select report_date from {{ ref('int_revrec__report_date') }}
),

accounts as (
    select
        billing_entity_code,
        account_role,
        account_code,
        currency,
        max(functional_currency) as functional_currency,
        cast({{ dbt.date_trunc('month', 'min(entry_date)') }} as date) as first_period_start
    from lines
    group by billing_entity_code, account_role, account_code, currency
),

-- every month from the account's first line through the report date's month
account_periods as (
    select
        accounts.*,
        cast({{ dbt.dateadd('month', 'series.month_offset', 'accounts.first_period_start') }} as date) as period_start,
        case
            when cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'series.month_offset + 1', 'accounts.first_period_start')) }} as date)
                < report_date.report_date
                then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'series.month_offset + 1', 'accounts.first_period_start')) }} as date)
            else report_date.report_date
        end as period_end
    from accounts
    cross join series
    cross join report_date
    where cast({{ dbt.dateadd('month', 'series.month_offset', 'accounts.first_period_start') }} as date) <= report_date.report_date
),

period_activity as (
    select
        billing_entity_code,
        account_role,
        account_code,
        currency,
        cast({{ dbt.date_trunc('month', 'entry_date') }} as date) as period_start,
        sum(debit_minor) as debit_minor,
        sum(credit_minor) as credit_minor,
        sum(functional_debit_minor) as functional_debit_minor,
        sum(functional_credit_minor) as functional_credit_minor,
        count(*) - count(functional_debit_minor) as untranslated_lines
    from lines
    cross join report_date
    where lines.entry_date <= report_date.report_date
    group by billing_entity_code, account_role, account_code, currency, cast({{ dbt.date_trunc('month', 'entry_date') }} as date)
),

cumulative as (
    select
        account_periods.billing_entity_code,
        account_periods.period_start,
        account_periods.period_end,
        account_periods.account_role,
        account_periods.account_code,
        account_periods.currency,
        account_periods.functional_currency,
        sum(coalesce(period_activity.debit_minor, 0)) over ({{ cumulative_window }}) as debit_minor,
        sum(coalesce(period_activity.credit_minor, 0)) over ({{ cumulative_window }}) as credit_minor,
        sum(coalesce(period_activity.functional_debit_minor, 0)) over ({{ cumulative_window }}) as functional_debit_minor,
        sum(coalesce(period_activity.functional_credit_minor, 0)) over ({{ cumulative_window }}) as functional_credit_minor,
        sum(coalesce(period_activity.untranslated_lines, 0)) over ({{ cumulative_window }}) as untranslated_lines
    from account_periods
    left join period_activity
        on account_periods.billing_entity_code = period_activity.billing_entity_code
        and account_periods.account_role = period_activity.account_role
        and (account_periods.account_code = period_activity.account_code
            or (account_periods.account_code is null and period_activity.account_code is null))
        and account_periods.currency = period_activity.currency
        and account_periods.period_start = period_activity.period_start
),

final as (
    select
        billing_entity_code,
        {{ revrec_period('period_start') }} as period,
        period_end,
        account_role,
        account_code,
        currency,
        cast(debit_minor as bigint) as debit_minor,
        cast(credit_minor as bigint) as credit_minor,
        cast(debit_minor - credit_minor as bigint) as balance_minor,
        functional_currency,
        -- null when a line up to the period end has no rate: never a partly translated balance
        cast(case when untranslated_lines = 0 then functional_debit_minor end as bigint) as functional_debit_minor,
        cast(case when untranslated_lines = 0 then functional_credit_minor end as bigint) as functional_credit_minor,
        cast(case when untranslated_lines = 0 then functional_debit_minor - functional_credit_minor end as bigint)
            as functional_balance_minor
    from cumulative
)

select * from final
