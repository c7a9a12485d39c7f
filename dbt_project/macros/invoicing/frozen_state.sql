{#- Frozen invoices are the state later invoices continue from (pricing.md 8): a once-fixed
    coupon's remainder, a recurring coupon's uses, what is left of a credit note or a wallet.
    That state lives in the append-only marts fct_finalized_* written by EARLIER runs, which
    sit downstream of invoice assembly, so assembly reads them as they stood before this run
    (like an incremental model reads {{ this }}). A ref would be a cycle, so each frozen mart is
    also declared as the source `frozen_state` (models/intermediate/billing/invoicing/_frozen_state__sources.yml):
    the edge shows in dbt docs and in the Dagster asset graph (keys frozen_state/<mart>), and
    unit tests hand the frozen rows they mean as that source's input (format: sql).
    The source must name a model of this project: a frozen mart renamed or disabled fails the
    compile here instead of leaving assembly to treat nothing as frozen. On a fresh warehouse
    the mart exists in the graph but was never built: then, and only then, the state is empty.
    Revenue recognition's closed periods use the same loop through the source
    `frozen_revrec_state` (the revrec marts fct_frozen_*, read by int_revrec__postings). -#}
{% macro frozen_relation(model_name, source_name='frozen_state') -%}
    {%- set frozen = source(source_name, model_name) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if model.resource_type == 'unit_test' -%}
        {#- the input the unit test gives for this source -#}
        {{ return(frozen) }}
    {%- endif -%}
    {%- set found = namespace(node=none) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.name == model_name and node.config.enabled -%}
            {%- set found.node = node -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found.node is none -%}
        {{ exceptions.raise_compiler_error(
            "Model '" ~ model.name ~ "' reads the frozen state of model '" ~ model_name ~ "' (source " ~ source_name ~ "."
            ~ model_name ~ "), but no enabled model of that name is in the dbt graph: was it renamed or "
            ~ "disabled? Without it every frozen row (finalized invoice, closed-period posting) would be "
            ~ "treated as open and recomputed.") }}
    {%- endif -%}
    {%- if (found.node.schema | lower) != (frozen.schema | lower) or (found.node.alias | lower) != (frozen.identifier | lower) -%}
        {{ exceptions.raise_compiler_error(
            "source " ~ source_name ~ "." ~ model_name ~ " points at " ~ frozen.schema ~ "." ~ frozen.identifier
            ~ " but model " ~ model_name ~ " is written to " ~ found.node.schema ~ "." ~ found.node.alias) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=frozen.database, schema=frozen.schema, identifier=frozen.identifier)) }}
{%- endmacro %}

{#- Rows of a frozen mart, or no rows with the same columns (name: SQL type) when it was
    never built. -#}
{% macro frozen_rows(model_name, columns, source_name='frozen_state') -%}
    {%- set relation = frozen_relation(model_name, source_name) -%}
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

{#- The fees of finalized threshold (progressive billing) invoices, each on the charge period it
    runs from (a threshold fee starts on its charge period's start, pricing.md 4, 8): the from
    clause over the CTEs of frozen fees, frozen invoices and charge periods. -#}
{% macro from_frozen_threshold_fees(frozen_fees='frozen_fees', frozen_invoices='frozen_invoices', charge_periods='charge_periods') -%}
    from {{ frozen_fees }}
    inner join {{ frozen_invoices }}
        on {{ frozen_fees }}.invoice_id = {{ frozen_invoices }}.invoice_id
        and {{ frozen_invoices }}.invoice_type = 'progressive_billing'
    inner join {{ charge_periods }}
        on {{ frozen_fees }}.external_subscription_id = {{ charge_periods }}.external_subscription_id
        and {{ frozen_fees }}.service_start_date = {{ charge_periods }}.charge_service_start_date
{%- endmacro %}
