{#- Where a staged row came from: the landing file, its row in that file, and when it was
    ingested (raw tables carry them for every record; staging keeps them for lineage). -#}
{% macro lineage_columns() -%}
        _source_file,
        _row_number,
        _ingested_at
{%- endmacro %}
