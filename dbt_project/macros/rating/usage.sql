{#- `key=value;…` label of an event's pricing group (pricing.md 1: one fee per distinct value
    of the charge's pricing_group_keys). Keys come comma-joined; up to 5 are read. -#}
{% macro pricing_group_label(keys_expr, properties_expr) -%}
    {%- set parts = [] -%}
    {%- for n in range(1, 6) -%}
        {%- set key = "trim(" ~ dbt.split_part(keys_expr, "','", n) ~ ")" -%}
        {%- set part -%}
        coalesce(case when {{ key }} <> '' then {{ dbt.concat([("''" if n == 1 else "';'"), key, "'='", "coalesce(" ~ json_get(properties_expr, key) ~ ", '')"]) }} end, '')
        {%- endset -%}
        {%- do parts.append(part) -%}
    {%- endfor -%}
    case when {{ keys_expr }} is not null then {{ dbt.concat(parts) }} end
{%- endmacro %}

{#- Incremental scope of the usage pre-aggregates: events are append-only, so only the UTC
    dates touched by rows ingested since the last load (minus var usage_lookback_hours, default
    6) are re-aggregated, and whole local days around them are rebuilt: a local day spans up to
    three UTC dates, so events are read from two days before the earliest touched date and
    local days are kept from one day before it. The date is computed when the model runs and
    inlined as a literal, so the filter reaches the event scan before resolution (a scalar
    subquery would not be pushed down). Nothing new -> 9999-12-31, nothing is read. The
    watermark is the model's own newest row: a model still empty (e.g. no unbillable event
    yet) re-reads everything, which is slower but never misses an event. -#}
{% macro usage_rebuild_from_date(events_relation) -%}
    {%- if is_incremental() and execute -%}
        {%- set query -%}
            select cast({{ dbt.dateadd('day', -2, 'min(event_date)') }} as date)
            from {{ events_relation }}
            where _ingested_at > (
                select coalesce(
                    {{ dbt.dateadd('hour', -var('usage_lookback_hours', 6), 'max(_max_ingested_at)') }},
                    cast('1900-01-01' as timestamp)
                ) from {{ this }}
            )
        {%- endset -%}
        {%- set result = run_query(query) -%}
        {%- set value = result.columns[0].values()[0] if result and result.rows | length > 0 else none -%}
        cast('{{ value if value is not none else "9999-12-31" }}' as date)
    {%- else -%}
    cast('1900-01-01' as date)
    {%- endif -%}
{%- endmacro %}
