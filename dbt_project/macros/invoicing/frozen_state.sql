{#- Frozen invoices are the state later invoices continue from (pricing.md 8): a once-fixed
    coupon's remainder, a recurring coupon's uses, what is left of a credit note or a wallet.
    That state lives in the append-only marts fct_finalized_* written by EARLIER runs, which
    sit downstream of invoice assembly, so assembly reads them as they stood before this run
    (like an incremental model reads {{ this }}), by relation, not by ref — a ref would be a
    cycle. On a fresh warehouse they do not exist yet and the state is empty.
    `invoicing_read_frozen_state: false` (unit tests) ignores them. -#}
{% macro frozen_relation(model_name) -%}
    {%- set found = namespace(relation=none) -%}
    {%- if execute and var('invoicing_read_frozen_state', true) -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.name == model_name -%}
                {%- set found.relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found.relation) }}
{%- endmacro %}

{#- Rows of a frozen mart, or no rows with the same columns (name: SQL type) when it is absent. -#}
{% macro frozen_rows(model_name, columns) -%}
    {%- set relation = frozen_relation(model_name) -%}
    {%- if relation is not none -%}
        select {% for name, type in columns.items() %}cast({{ name }} as {{ type }}) as {{ name }}{% if not loop.last %}, {% endif %}{% endfor %}
        from {{ relation }}
    {%- else -%}
        select {% for name, type in columns.items() %}cast(null as {{ type }}) as {{ name }}{% if not loop.last %}, {% endif %}{% endfor %}
        where 1 = 0
    {%- endif -%}
{%- endmacro %}

{#- Each invoiced fee's amount and coupon share as a credit note must see them: a fee of a
    finalized invoice as it was frozen (fct_finalized_invoice_fees), else as assembled now
    (the given relation/CTE holds int_billing__invoice_fee_amounts rows). -#}
{% macro creditable_fee_amounts(invoice_fee_amounts_relation) -%}
    select
        invoice_fee_amounts.fee_id,
        invoice_fee_amounts.invoice_id,
        coalesce(frozen_fees.amount_minor, invoice_fee_amounts.amount_minor) as amount_minor,
        coalesce(frozen_fees.precise_coupon_share_minor, invoice_fee_amounts.precise_coupon_share_minor) as precise_coupon_share_minor
    from {{ invoice_fee_amounts_relation }} as invoice_fee_amounts
    left join (
        {{ frozen_rows('fct_finalized_invoice_fees', {'fee_id': dbt.type_string(), 'amount_minor': 'bigint', 'precise_coupon_share_minor': 'decimal(38, 12)'}) }}
    ) as frozen_fees
        on invoice_fee_amounts.fee_id = frozen_fees.fee_id
{%- endmacro %}

{#- frozen_rows, unless the var `invoicing_frozen_rows` hands rows for this mart: a dict of
    model name -> list of {column: value}. Unit tests cannot `given` a relation read without a
    ref, so they pass the frozen state they mean through this var (overrides: vars:). -#}
{% macro frozen_rows_or_given(model_name, columns) -%}
    {%- set given = var('invoicing_frozen_rows', {}) -%}
    {#- A unit test that hands none reads no frozen state (its graph has no nodes to look up). -#}
    {%- if model_name not in given and graph.get('nodes') is none -%}
        {%- set given = {model_name: []} -%}
    {%- endif -%}
    {%- if model_name in given -%}
        {%- set rows = given[model_name] -%}
        {%- if rows | length == 0 -%}
            select {% for name, type in columns.items() %}cast(null as {{ type }}) as {{ name }}{% if not loop.last %}, {% endif %}{% endfor %}
            where 1 = 0
        {%- endif -%}
        {%- for row in rows -%}
            select {% for name, type in columns.items() %}cast({{ 'null' if row.get(name) is none else ("'" ~ (row[name] | string | replace("'", "''")) ~ "'") }} as {{ type }}) as {{ name }}{% if not loop.last %}, {% endif %}{% endfor %}
            {% if not loop.last %} union all {% endif %}
        {%- endfor -%}
    {%- else -%}
        {{ frozen_rows(model_name, columns) }}
    {%- endif -%}
{%- endmacro %}
