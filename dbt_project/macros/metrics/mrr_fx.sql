{#- A document-currency MRR amount in minor units converted to the reporting currency's minor
    units at `rate_expr` (reporting units per document unit), exponents applied, rounded half
    away from zero once (metrics-and-revrec.md B11). The same rule as the interface's
    closing_mrr_reporting_minor, so an opening revalued at M's rate and M's closing agree. -#}
{% macro mrr_to_reporting_minor(amount_minor_expr, rate_expr, document_exponent_expr, reporting_exponent_expr) -%}
    {{ round_minor(exact_divide(
        'cast(' ~ amount_minor_expr ~ ' as decimal(38, 0)) * cast(' ~ rate_expr ~ ' as decimal(24, 10)) * ' ~ minor_factor(reporting_exponent_expr),
        minor_factor(document_exponent_expr)
    )) }}
{%- endmacro %}

{#- The ECB legs (units of `currency` per EUR) needed on each date: the last rate published on or
    before the date (B11, A12), EUR itself at 1 dated the day. `needed_relation` has the columns
    `date_column` and `currency`; the result has those two plus `rate` and `rate_date`. A pair
    with no rate on or before the date has no row, so a left join leaves its rate null. -#}
{% macro ecb_last_legs(needed_relation, date_column, rates_relation) -%}
    select {{ date_column }}, currency, rate, rate_date
    from (
        select
            needed.{{ date_column }},
            needed.currency,
            {{ rates_relation }}.rate,
            {{ rates_relation }}.rate_date,
            row_number() over (
                partition by needed.{{ date_column }}, needed.currency order by {{ rates_relation }}.rate_date desc
            ) as recency
        from (select distinct {{ date_column }}, currency from {{ needed_relation }}) as needed
        inner join {{ rates_relation }}
            on {{ rates_relation }}.base_currency = 'EUR'
            and {{ rates_relation }}.quote_currency = needed.currency
            and {{ rates_relation }}.rate_date <= needed.{{ date_column }}
    ) as published
    where recency = 1
    union all
    select distinct {{ date_column }}, currency, cast(1 as decimal(24, 10)), {{ date_column }}
    from {{ needed_relation }}
    where currency = 'EUR'
{%- endmacro %}

{#- An amount in minor units of one currency translated to the minor units of another through
    two unrounded ECB legs (target units per EUR ÷ source units per EUR), both exponents
    applied, rounded half away from zero once: the rate itself is never rounded first (A12, B11). -#}
{% macro fx_legs_to_minor(amount_minor_expr, target_leg_expr, source_leg_expr, source_exponent_expr, target_exponent_expr) -%}
    {{ round_minor(exact_divide(
        amount_minor_expr ~ ' * ' ~ target_leg_expr ~ ' * ' ~ minor_factor(target_exponent_expr),
        source_leg_expr ~ ' * ' ~ minor_factor(source_exponent_expr)
    )) }}
{%- endmacro %}

{#- Two columns: the rate stored on a translated row (target units per source unit; 1 when the
    currencies are the same) as `rate_alias`, and `fx_rate_date`, the date it stands for: the older
    of the two legs' publication dates, the row's own date for identity, null when a leg is
    missing. `target_leg` and `source_leg` are aliases of ecb_last_legs rows. -#}
{% macro fx_rate_columns(same_currency_expr, identity_date_expr, target_leg, source_leg, rate_alias='fx_rate') -%}
        case
            when {{ same_currency_expr }} then cast(1 as decimal(24, 10))
            else cast({{ exact_divide(target_leg ~ '.rate', source_leg ~ '.rate') }} as decimal(24, 10))
        end as {{ rate_alias }},
        case
            when {{ same_currency_expr }} then {{ identity_date_expr }}
            when {{ target_leg }}.rate is null or {{ source_leg }}.rate is null then null
            when {{ target_leg }}.rate_date < {{ source_leg }}.rate_date then {{ target_leg }}.rate_date
            else {{ source_leg }}.rate_date
        end as fx_rate_date
{%- endmacro %}
