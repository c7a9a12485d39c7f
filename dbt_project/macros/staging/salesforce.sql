{#- The columns every Salesforce object carries for lineage: when Salesforce last changed the
    record, when Fivetran synced it (null for API exports), and the landing file's row. -#}
{% macro salesforce_sync_columns() -%}
        cast(system_modstamp as timestamp) as system_modstamp_at,
        cast(synced_at as timestamp) as fivetran_synced_at,
        is_fivetran_active,
        {{ lineage_columns() }}
{%- endmacro %}

{#- The latest version of a Salesforce object (`table_name` in source salesforce): Salesforce's
    own change stamp decides, then the Fivetran sync, then landing order. -#}
{% macro salesforce_latest(table_name) -%}
    {{ latest_source_version(source('salesforce', table_name), 'id', ['system_modstamp', 'synced_at']) }}
{%- endmacro %}
