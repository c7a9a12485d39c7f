{#- The columns every Salesforce object carries for lineage: when Salesforce last changed the
    record, when Fivetran synced it (null for API exports), and the landing file's row. -#}
{% macro salesforce_sync_columns() -%}
        cast(system_modstamp as timestamp) as system_modstamp_at,
        cast(synced_at as timestamp) as fivetran_synced_at,
        is_fivetran_active,
        _source_file,
        _row_number,
        _ingested_at
{%- endmacro %}
