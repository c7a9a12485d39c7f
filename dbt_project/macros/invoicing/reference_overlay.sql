{#- A landed reference CSV replaces the seed's rows for the keys it contains
    (landing-contract.md, reference files). `columns` are the CSV header names, `key` the
    columns naming a row; landed rows arrive as JSON text in raw.reference_rows, the newest
    landing of a key winning. Every value stays text here; the staging model casts. -#}
{% macro reference_overlay(seed_name, kind, columns, key) -%}
with seed_rows as (
    select
        {% for c in columns %}cast({{ c }} as {{ dbt.type_string() }}) as {{ c }}, {% endfor %}
        cast(null as timestamp) as _ingested_at,
        cast(null as {{ dbt.type_string() }}) as _source_file,
        1 as _is_seed
    from {{ ref(seed_name) }}
),

landed_rows as (
    select
        {% for c in columns %}{{ json_get('row_json', "'" ~ c ~ "'") }} as {{ c }}, {% endfor %}
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
                partition by {{ key | join(', ') }}
                order by _ingested_at desc, _source_file desc, _row_number desc
            ) as _landing_rank
        from landed_rows
    ) as ranked
    where _landing_rank = 1
),

overlaid as (
    select {% for c in columns %}{{ c }}, {% endfor %} _ingested_at, _source_file, 0 as _is_seed
    from latest_landed
    union all
    select {% for c in columns %}seed_rows.{{ c }}, {% endfor %} seed_rows._ingested_at, seed_rows._source_file, seed_rows._is_seed
    from seed_rows
    where not exists (
        select 1 from latest_landed
        where {% for k in key %}latest_landed.{{ k }} = seed_rows.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
    )
)

select * from overlaid
{%- endmacro %}
