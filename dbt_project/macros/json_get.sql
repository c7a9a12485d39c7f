{#- Scalar value of `key` (a SQL string expression) inside a JSON text column, as text.
    One macro so staging and rating stay portable: DuckDB, Postgres and Spark spell it
    differently. Returns NULL when the key is missing. -#}
{% macro json_get(json_column, key_expr) -%}
    {{ return(adapter.dispatch('json_get', 'revhouse')(json_column, key_expr)) }}
{%- endmacro %}

{% macro default__json_get(json_column, key_expr) -%}
    json_extract_string({{ json_column }}, '$."' || {{ key_expr }} || '"')
{%- endmacro %}

{% macro postgres__json_get(json_column, key_expr) -%}
    ({{ json_column }})::json ->> ({{ key_expr }})
{%- endmacro %}

{% macro spark__json_get(json_column, key_expr) -%}
    get_json_object({{ json_column }}, concat('$.', {{ key_expr }}))
{%- endmacro %}
