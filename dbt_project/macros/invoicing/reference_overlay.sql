{#- A landed reference CSV replaces the seed's rows for the keys it contains
    (landing-contract.md, reference files). `columns` are the CSV header names, `key` the
    columns naming a row; landed rows arrive as JSON text in raw.reference_rows (every landed
    file's rows are kept, see ingest/sources/reference.py), the newest landing of a key winning:
    a value changed back (A -> B -> A) is A again. `seed_name` none = the kind has no defaults
    (entities: a company's own billing entities exist only when landed). Every value stays
    text here; the staging model casts, with safe casts only (a view must never fail on read).
    Column names are quoted: a finance header may be an SQL word (revrec_rules `distinct`). -#}
{% macro reference_overlay(seed_name, kind, columns, key) -%}
with seed_rows as (
    select
        {% for c in columns %}cast({% if seed_name %}{{ adapter.quote(c) }}{% else %}null{% endif %} as {{ dbt.type_string() }}) as {{ adapter.quote(c) }}, {% endfor %}
        cast(null as timestamp) as _ingested_at,
        cast(null as {{ dbt.type_string() }}) as _source_file,
        1 as _is_seed
    {% if seed_name %}from {{ ref(seed_name) }}{% else %}where 1 = 0{% endif %}
),

landed_rows as (
    select
        {% for c in columns %}{{ json_get('row_json', "'" ~ c ~ "'") }} as {{ adapter.quote(c) }}, {% endfor %}
        _ingested_at,
        _source_file,
        _row_number
    from {{ source('reference', 'reference_rows') }}
    where reference_kind = '{{ kind }}'
),

latest_landed as (
    select *
    from (
        select
            landed_rows.*,
            row_number() over (
                partition by {% for k in key %}{{ adapter.quote(k) }}{% if not loop.last %}, {% endif %}{% endfor %}
                order by _ingested_at desc, _source_file desc, _row_number desc
            ) as _landing_rank
        from landed_rows
    ) as ranked
    where _landing_rank = 1
),

overlaid as (
    select {% for c in columns %}{{ adapter.quote(c) }}, {% endfor %} _ingested_at, _source_file, 0 as _is_seed
    from latest_landed
    union all
    select {% for c in columns %}seed_rows.{{ adapter.quote(c) }}, {% endfor %} seed_rows._ingested_at, seed_rows._source_file, seed_rows._is_seed
    from seed_rows
    where not exists (
        select 1 from latest_landed
        where {% for k in key %}latest_landed.{{ adapter.quote(k) }} = seed_rows.{{ adapter.quote(k) }}{% if not loop.last %} and {% endif %}{% endfor %}
    )
)

select * from overlaid
{%- endmacro %}


{#- Fails when a key used elsewhere has no landed reference row, naming the folder to land:
    e.g. customers billed by an entity that no reference/entities CSV defines. -#}
{% test reference_is_landed_for(model, column_name, used_by, used_column, kind) %}
select distinct
    used.{{ used_column }} as missing_key,
    'no row for ' || used.{{ used_column }} || ' in reference/{{ kind }}: land a CSV under '
        || 'landing/reference/{{ kind }}/ with a row for it (landing-contract.md, "Reference files")' as what_to_land
from {{ used_by }} as used
where used.{{ used_column }} is not null
    and not exists (
        select 1 from {{ model }} as landed
        where landed.{{ column_name }} = used.{{ used_column }}
    )
{% endtest %}

{#- A text value cast to `type`, NULL when it cannot be (dbt.safe_cast is a plain cast on
    dbt-duckdb, which would make a view over reference data fail for every reader). -#}
{% macro reference_try_cast(text_expr, type) -%}
    {{ return(adapter.dispatch('reference_try_cast', 'revhouse')(text_expr, type)) }}
{%- endmacro %}
{% macro default__reference_try_cast(text_expr, type) -%}
    {{ dbt.safe_cast(text_expr, type) }}
{%- endmacro %}
{% macro duckdb__reference_try_cast(text_expr, type) -%}
    try_cast({{ text_expr }} as {{ type }})
{%- endmacro %}
