{#- Catalog exports are re-landed whole, so one Lago object can arrive in several versions.
    The latest landing wins: newest `_ingested_at`, then the later row of the same file
    (latest_source_version with no version timestamps of the object's own).
    `partition_by` is the object's key (lago_id, or the parent's key for flattened children). -#}
{% macro latest_version(relation, partition_by) -%}
    {{ latest_source_version(relation, partition_by, []) }}
{%- endmacro %}

{#- Flattened child rows (filters, ranges, thresholds) carry no id of their own: keep every
    row of the parent's latest landing, i.e. the newest `_ingested_at` and file per parent. -#}
{% macro latest_landing(relation, parent_key) -%}
    select *
    from (
        select
            landings.*,
            dense_rank() over (
                partition by {{ parent_key }}
                order by _ingested_at desc, _source_file desc
            ) as _landing_rank
        from {{ relation }} as landings
    ) as ranked
    where _landing_rank = 1
{%- endmacro %}

{#- Flattened children are written with their parent object's file and row number, so the
    children of the parent's latest version are exactly the rows sharing that file and row
    (a child dropped from a newer version disappears; a parent re-landed without children
    has none). -#}
{% macro children_of_latest(child_relation, parent_relation, child_key, parent_key) -%}
    select children.*
    from {{ child_relation }} as children
    inner join (
        {{ latest_version(parent_relation, parent_key) }}
    ) as parents
        on children.{{ child_key }} = parents.{{ parent_key }}
        and children._source_file = parents._source_file
        and children._row_number = parents._row_number
{%- endmacro %}
