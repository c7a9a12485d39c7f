{#- Like latest_version (macros/staging/latest_version.sql), but the object's own version
    timestamps decide first: a Salesforce row or a payment event landed late must not hide a
    newer version landed earlier. Landing order breaks ties and orders versions without one. -#}
{% macro latest_source_version(relation, partition_by, version_columns) -%}
    select *
    from (
        select
            versions.*,
            row_number() over (
                partition by {{ partition_by }}
                order by {% for column in version_columns %}{{ column }} desc nulls last, {% endfor %}_ingested_at desc, _row_number desc
            ) as _version_rank
        from {{ relation }} as versions
    ) as ranked
    where _version_rank = 1
{%- endmacro %}
