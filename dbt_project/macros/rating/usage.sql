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

{#- Incremental scope of the usage pre-aggregates. Events are append-only, so only the local
    days touched by rows ingested since the last load (minus var usage_lookback_hours, default
    6) are rebuilt, whole. Which local days: the earliest local date any new event can have, in
    any timezone rating may use (customers', entities', UTC), taken 3 h before the first new
    instant outside UTC so a DST fall-back cannot put a later event on an earlier day. Which
    events: those from the earliest UTC instant at which that local day starts in any of those
    timezones (3 h earlier outside UTC, for a midnight a DST jump skips). So a new UTC day
    re-reads that day only, not a fixed margin of UTC dates. Both bounds are computed when the
    model runs and inlined as literals, so the filters reach the event scan (zone maps on
    event_date/event_at) before resolution; a scalar subquery would not be pushed down. Nothing
    new -> 9999-12-31, nothing is read. The watermark is the model's own newest row: a model
    still empty (e.g. no unbillable event yet) re-reads everything, which is slower but never
    misses an event. Returns {'from_at': sql, 'from_date': sql, 'keep_from_date': sql}. -#}
{% macro usage_rebuild_window(events_relation, customers_relation, entities_relation) -%}
    {%- set everything = {
        'from_at': "cast('1900-01-01' as timestamp)",
        'from_date': "cast('1900-01-01' as date)",
        'keep_from_date': "cast('1900-01-01' as date)"} -%}
    {%- if not (is_incremental() and execute) -%}
        {{ return(everything) }}
    {%- endif -%}
    {%- set query -%}
        with watermark as (
            select coalesce(
                {{ dbt.dateadd('hour', -var('usage_lookback_hours', 6), 'max(_max_ingested_at)') }},
                cast('1900-01-01' as timestamp)
            ) as since_at
            from {{ this }}
        ),

        first_new as (
            select min(event_at) as first_new_at
            from {{ events_relation }}
            where _ingested_at > (select since_at from watermark)
        ),

        zones as (
            select distinct coalesce(customers.timezone, entities.timezone, 'UTC') as timezone
            from {{ customers_relation }} as customers
            left join {{ entities_relation }} as entities
                on customers.billing_entity_code = entities.billing_entity_code
            union
            select 'UTC' as timezone
        ),

        first_day as (
            select min({{ utc_to_local_date(dbt.dateadd('hour', "case when zones.timezone = 'UTC' then 0 else -3 end", 'first_new.first_new_at'), 'zones.timezone') }}) as keep_from_date
            from first_new
            cross join zones
        )

        select
            first_day.keep_from_date,
            min({{ dbt.dateadd('hour', "case when zones.timezone = 'UTC' then 0 else -3 end", local_date_start_at('first_day.keep_from_date', 'zones.timezone')) }}) as from_at
        from first_day
        cross join zones
        where first_day.keep_from_date is not null
        group by first_day.keep_from_date
    {%- endset -%}
    {%- set result = run_query(query) -%}
    {%- if result and result.rows | length > 0 -%}
        {%- set keep_from_date = result.columns[0].values()[0] -%}
        {%- set from_at = result.columns[1].values()[0] -%}
        {{ return({
            'from_at': "cast('" ~ from_at ~ "' as timestamp)",
            'from_date': "cast('" ~ from_at.date() ~ "' as date)",
            'keep_from_date': "cast('" ~ keep_from_date ~ "' as date)"}) }}
    {%- endif -%}
    {{ return({
        'from_at': "cast('9999-12-31' as timestamp)",
        'from_date': "cast('9999-12-31' as date)",
        'keep_from_date': "cast('9999-12-31' as date)"}) }}
{%- endmacro %}
