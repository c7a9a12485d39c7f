{#- Invoice-assembly rules that more than one model needs (pricing.md sections 5-8). -#}

{#- exact_divide lives in macros/money.sql (one definition for rating and invoicing); do not redefine it here. -#}

{#- amount x rate% without a division (rates are percentages, pricing.md 5.3/5.4). -#}
{% macro percent_of(amount_expr, rate_expr) -%}
    cast(cast({{ amount_expr }} as decimal(38, 12)) * cast({{ rate_expr }} as decimal(18, 6)) * cast(0.01 as decimal(3, 2)) as decimal(38, 12))
{%- endmacro %}

{#- One row per element of a delimited list column: (key columns..., element, position).
    Lago sends plan/metric/fee-type lists comma-joined and entity tax codes are ';'-joined;
    split_part keeps this portable (DuckDB, Postgres, Spark 3.3+), no list types. -#}
{% macro split_list(relation_sql, key_columns, list_column, separator, max_items=50) -%}
    select
        {% for k in key_columns %}listed.{{ k }}, {% endfor %}
        trim(split_part(listed.{{ list_column }}, '{{ separator }}', positions.n)) as element,
        positions.n as element_position
    from ({{ relation_sql }}) as listed
    cross join (select n from ({{ integers(2) }}) as ints where n between 1 and {{ max_items }}) as positions
    where listed.{{ list_column }} is not null
      and trim(split_part(listed.{{ list_column }}, '{{ separator }}', positions.n)) <> ''
{%- endmacro %}

{#- The billing "now" as a date (var as_of > settings as_of > run time), shared with rating. -#}
{% macro invoicing_as_of_date() -%}
    cast({{ rating_as_of_at(ref('stg_reference__settings')) }} as date)
{%- endmacro %}

{#- The cutover date of a parallel run (settings cutover_date; null when none is set). -#}
{% macro cutover_date() -%}
    (select {{ dbt.safe_cast('max(value)', 'date') }} from {{ ref('stg_reference__settings') }} where key = 'cutover_date')
{%- endmacro %}

{#- The cutover rule by issuing date (landing contract): one of revhouse's own invoices is in
    force (the customer owes it, revenue comes from it) when issued on or after the cutover
    date, or always when none is set; the incumbent's imported ones are in force before it.
    Collections decides it for finalized invoices, revrec for drafts too: one rule. -#}
{% macro own_invoice_in_force(issuing_date_expr) -%}
    ({{ cutover_date() }} is null or {{ issuing_date_expr }} >= {{ cutover_date() }})
{%- endmacro %}

{#- Days an invoice stays in draft after its issuing date (settings grace_period_days). -#}
{% macro invoicing_grace_period_days() -%}
    coalesce((select cast(value as integer) from {{ ref('stg_reference__settings') }} where key = 'grace_period_days'), 0)
{%- endmacro %}

{#- Invoice number: <prefix>-<6-digit sequence per billing entity>, e.g. RHUS-000042. The
    sequence never restarts (no year/month in it), so "gapless per entity" is one counter. -#}
{% macro invoice_number(prefix_expr, sequence_expr) -%}
    ({{ prefix_expr }} || '-' || lpad(cast({{ sequence_expr }} as {{ dbt.type_string() }}), 6, '0'))
{%- endmacro %}

{#- A threshold (progressive billing) invoice is its own invoice, never merged with the
    subscription invoice of the same day (Lago issues one per subscription and crossing):
    rating's invoice_group_key (customer, entity, currency, issuing date) + the subscription,
    readable like the credit invoices' 'credit-<transaction>'. -#}
{% macro progressive_invoice_id(invoice_group_key_expr, external_subscription_id_expr) -%}
    {{ dbt.concat(["'progressive-'", invoice_group_key_expr, "'-'", external_subscription_id_expr]) }}
{%- endmacro %}

{#- The fees a period's progressive billing credit is deducted from and spread over (pricing.md
    4, 5.2): the invoiceable in-arrears charge fees of that charge period, one rule for the cap
    (int_billing__invoice_progressive_credits) and the spread (int_billing__invoice_fees). -#}
{% macro progressive_matching_fees(fees_relation, charge_fees_relation) -%}
    select
        {{ charge_fees_relation }}.charge_period_id,
        {{ fees_relation }}.fee_id,
        {{ fees_relation }}.amount_minor
    from {{ fees_relation }}
    inner join {{ charge_fees_relation }} on {{ fees_relation }}.fee_id = {{ charge_fees_relation }}.fee_id
    where {{ fees_relation }}.is_invoiceable
      and {{ fees_relation }}.amount_minor > 0
{%- endmacro %}

{#- A lower bound (exclusive) on event_at for reading the billing day's events up to `as_of`
    (int_billing__progressive_usage_days): two days before the billing instant, so every
    timezone's local day of `as_of` is inside it. Inlined as a literal when the model runs so
    it reaches the event scan before resolution (a scalar subquery would not be pushed down,
    see usage_ingested_after_literal); the exact rule (local day = as_of date, event_at <=
    as_of) is in the model's SQL, which alone applies in unit tests. -#}
{% macro progressive_partial_day_after_literal() -%}
    {%- set everything = "cast('1900-01-01' as timestamp)" -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(everything) }}
    {%- endif -%}
    {%- set query -%}
        select cast({{ dbt.dateadd('day', -2, rating_as_of_at(ref('stg_reference__settings'))) }} as {{ dbt.type_string() }})
    {%- endset -%}
    {%- set result = run_query(query) -%}
    {%- set after_at = result.columns[0].values()[0] -%}
    {%- if after_at is none -%}
        {{ return(everything) }}
    {%- endif -%}
    {{ return("cast('" ~ after_at ~ "' as timestamp)") }}
{%- endmacro %}
