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

{#- The catalog columns event resolution reads (int_billing__usage_events_resolved and the
    keys usage_daily reads back): a change in any of them can move an old event to another
    version, charge, filter, group, local day or reason. Only these columns, so re-landing an
    unchanged catalog or editing a customer's e-mail does not force a rebuild. Keep in step with
    what the resolved view reads. -#}
{% macro usage_catalog_columns() -%}
    {{ return({
        'stg_lago__billable_metrics': ['billable_metric_code', 'aggregation_type', 'field_name'],
        'stg_lago__subscriptions': ['lago_subscription_id', 'external_subscription_id', 'external_customer_id', 'plan_code', 'started_at', 'ending_at', 'terminated_at'],
        'stg_lago__customers': ['external_customer_id', 'timezone', 'billing_entity_code'],
        'stg_reference__billing_entities': ['billing_entity_code', 'timezone'],
        'stg_lago__charges': ['charge_lago_id', 'plan_code', 'billable_metric_code', 'charge_model', 'is_pay_in_advance', 'pricing_group_keys'],
        'stg_lago__charge_filter_values': ['charge_lago_id', 'charge_filter_index', 'filter_key', 'filter_value', 'is_any_value'],
    }) }}
{%- endmacro %}

{#- A scalar query: md5 of every catalog row event resolution depends on, sorted, so equal
    catalogs give equal fingerprints whatever the load order. -#}
{% macro usage_catalog_fingerprint() -%}
    {%- set parts = [] -%}
    {%- for model_name, columns in usage_catalog_columns().items() -%}
        {%- set texts = ["'" ~ model_name ~ "'"] -%}
        {%- for column in columns -%}
            {%- do texts.append("'|'") -%}
            {%- do texts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
        {%- endfor -%}
        {%- do parts.append("select " ~ dbt.concat(texts) ~ " as catalog_row from " ~ ref(model_name)) -%}
    {%- endfor -%}
    select {{ dbt.hash("coalesce(" ~ dbt.listagg('catalog_row', "'\n'", 'order by catalog_row') ~ ", '')") }} as catalog_fingerprint
    from (
        {{ parts | join('\n        union all\n        ') }}
    ) as catalog_rows
{%- endmacro %}

{#- Incremental scope of the usage pre-aggregates (usage_daily, usage_daily_unique_values,
    unbillable_events). Every measure they hold is decomposable (counts, sums, max, latest
    with its instant, Σ inc × t; distinct values are a set), so a run aggregates only the
    events ingested after the model's watermark (how far its last run read, kept in its load
    log, and never before the newest _max_ingested_at among its rows) and APPENDS their rows: nothing already aggregated is re-read, and a day can hold one row
    per load that brought events for it. Readers aggregate over those rows.
    Why _ingested_at is a safe watermark: ingestion stamps every row of a run with the run's
    start instant and commits file by file while holding DuckDB's single-writer lock, so no
    dbt run sees part of an ingestion run, and a later run's stamp is later. Events are
    deduplicated at ingestion (first (external_subscription_id, transaction_id) wins) and raw
    is append-only, so appending never counts an event twice — the singular test
    assert_every_event_billed_or_reported would show it if it did.
    How far a model has read is kept in a load log (usage_load_log), because its rows cannot
    always say; the rows' own _max_ingested_at bound is applied too (usage_watermark).
    Why the catalog fingerprint: resolving an old event depends on the catalog, so each row
    carries the fingerprint it was resolved under (usage_catalog_fingerprint); rows under
    another fingerprint are deleted by usage_delete_stale (pre-hook) and, having no current
    rows, the model re-reads every event: a catalog change rebuilds, it never leaves stale
    aggregates. The same rule is in the model SQL (usage_watermark, unit-testable with
    a `this` fixture); this macro inlines it as a literal computed when the model runs, so the
    bound reaches the event scan (zone maps on _ingested_at) before resolution — a scalar
    subquery would not be pushed down. Returns the literal lower bound (exclusive). -#}
{% macro usage_ingested_after_literal() -%}
    {%- set everything = "cast('1900-01-01' as timestamp)" -%}
    {#- a unit test renders `this` as its fixture, which run_query cannot read: the SQL rule
        (usage_watermark) alone applies there -#}
    {%- if not execute or model.resource_type == 'unit_test' or not is_incremental() -%}
        {{ return(everything) }}
    {%- endif -%}
    {%- set log_relation = usage_load_log() -%}
    {%- if adapter.get_relation(log_relation.database, log_relation.schema, log_relation.identifier) is none -%}
        {{ return(everything) }}
    {%- endif -%}
    {%- set query -%}
        with catalog as ({{ usage_catalog_fingerprint() }}),

        stale as (
            select count(*) as stale_rows
            from {{ this }} as this_rows
            cross join catalog
            where this_rows._catalog_fingerprint is null
                or this_rows._catalog_fingerprint <> catalog.catalog_fingerprint
        ),

        -- the model's last run only: an older run under the current fingerprint does not count
        -- if a run under another catalog came after it (its events were read under that one)
        last_load as (
            select log.catalog_fingerprint, log.ingested_until_at
            from {{ log_relation }} as log
            where log.model_name = '{{ this.identifier }}'
                and log.logged_at = (
                    select max(logged_at) from {{ log_relation }} where model_name = '{{ this.identifier }}'
                )
        )

        select
            max(case when last_load.catalog_fingerprint = catalog.catalog_fingerprint then last_load.ingested_until_at end) as since_at,
            max(stale.stale_rows) as stale_rows
        from catalog
        cross join stale
        left join last_load on 1 = 1
    {%- endset -%}
    {%- set result = run_query(query) -%}
    {%- set since_at = result.columns[0].values()[0] -%}
    {%- set stale_rows = result.columns[1].values()[0] -%}
    {%- if stale_rows or since_at is none -%}
        {{ return(everything) }}
    {%- endif -%}
    {{ return("cast('" ~ since_at ~ "' as timestamp)") }}
{%- endmacro %}

{#- Why a load log beside the rows: a model's own rows cannot say how far it has read when
    the events it read produced none (int_billing__unbillable_events is empty while every
    event is billable; usage_daily gets no row from a load of unbillable events), and it
    would then re-read every event on every run. So each run records, per model and catalog
    fingerprint, the newest _ingested_at there was when it ran (post-hook usage_log_load; no
    ingestion can commit during a dbt run, see above), and the next run reads only later
    events. One small table per model (<model>__loads, in its schema, so models running in
    parallel never create or write the same table), written only by these hooks. -#}
{% macro usage_load_log() -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier=this.identifier ~ '__loads')) }}
{%- endmacro %}

{% macro usage_log_load() -%}
    {%- set log_relation = usage_load_log() -%}
    create table if not exists {{ log_relation }} (
        model_name {{ dbt.type_string() }},
        catalog_fingerprint {{ dbt.type_string() }},
        ingested_until_at {{ dbt.type_timestamp() }},
        logged_at {{ dbt.type_timestamp() }}
    );
    insert into {{ log_relation }} (model_name, catalog_fingerprint, ingested_until_at, logged_at)
    select
        '{{ this.identifier }}',
        ({{ usage_catalog_fingerprint() }}),
        (select max(_ingested_at) from {{ ref('stg_usage__events') }}),
        {{ dbt.current_timestamp() }}
{%- endmacro %}

{#- The watermark rule in SQL (see usage_ingested_after_literal), a scalar query: the newest
    _max_ingested_at among the model's rows resolved under the current catalog. Models use it
    under their own `is_incremental()` test, so unit tests can override it and pass `this`. -#}
{% macro usage_watermark() -%}
    select coalesce(max(this_rows._max_ingested_at), cast('1900-01-01' as timestamp))
    from {{ this }} as this_rows
    where this_rows._catalog_fingerprint = ({{ usage_catalog_fingerprint() }})
{%- endmacro %}

{#- Pre-hook of the usage pre-aggregates: rows resolved under another catalog go, so the run
    rebuilds them from every event (see usage_ingested_after_literal). -#}
{% macro usage_delete_stale() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where _catalog_fingerprint is null
        or _catalog_fingerprint <> ({{ usage_catalog_fingerprint() }})
    {%- endif -%}
{%- endmacro %}

{#- The incremental configuration shared by the usage pre-aggregates (usage_daily,
    usage_daily_unique_values, unbillable_events): append-only, stale rows deleted before a
    run (usage_delete_stale), the load logged after it (usage_log_load), a schema change fails. -#}
{% macro usage_preaggregate_config() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ usage_delete_stale() }}",
        post_hook="{{ usage_log_load() }}",
        on_schema_change='fail'
    ) }}
{%- endmacro %}

{#- The pre-aggregates' event filter on an incremental run: only events loaded since the
    model's watermark (usage_ingested_after_literal, usage_watermark above). Nothing on a full
    build. Goes after a `where` condition. -#}
{% macro usage_new_events_filter() -%}
    {%- if is_incremental() %}
        and _ingested_at > {{ usage_ingested_after_literal() }}
        and _ingested_at > ({{ usage_watermark() }})
    {%- endif %}
{%- endmacro %}

{#- Join condition: the same fee key (charge × filter × pricing group, a null group matching a
    null group) on two relations, after the `leading` key columns (by default the charge
    period). -#}
{% macro same_fee_key(left, right, leading=['charge_period_id']) -%}
    {%- for column in leading + ['charge_lago_id', 'charge_filter_index'] %}
        {% if not loop.first %}and {% endif %}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor %}
        and coalesce({{ left }}.grouped_by, '') = coalesce({{ right }}.grouped_by, '')
{%- endmacro %}

{#- Join condition: the pre-aggregate rows (usage_daily, usage_daily_unique_values: `daily`)
    a row of int_billing__charge_usage_sources (`sources`) reads: its source version, charge
    and filter, up to the window's end, from the window's start unless it has no lower bound. -#}
{% macro usage_source_rows(sources, daily) -%}
    {{ sources }}.source_subscription_id = {{ daily }}.lago_subscription_id
        and {{ sources }}.source_charge_lago_id = {{ daily }}.charge_lago_id
        and {{ sources }}.charge_filter_index = {{ daily }}.charge_filter_index
        and {{ daily }}.usage_date <= {{ sources }}.charge_service_end_date
        and ({{ sources }}.has_no_lower_bound or {{ daily }}.usage_date >= {{ sources }}.charge_service_start_date)
{%- endmacro %}
