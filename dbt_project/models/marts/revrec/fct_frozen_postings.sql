{#- The postings of closed periods, frozen (A10): every row of int_revrec__postings whose
    (billing entity, posting period) is closed is appended once, as this build computed it,
    and never updated; int_revrec__postings reads them back (source frozen_revrec_state) and
    reproduces them byte for byte in later builds. Rows of a period already frozen are never
    added (int_revrec__postings posts late facts in the first open period). frozen_at = wall
    clock of the run that froze the row. full_refresh=false: --full-refresh never rebuilds it;
    a column change fails the run. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail', full_refresh=false) }}

with postings as (
    select * from {{ ref('int_revrec__postings') }}
),

closed_periods as (
    select * from {{ ref('int_revrec__closed_periods') }}
),

{% if is_incremental() %}
already_frozen as (
    select posting_id from {{ this }}
),
{% else %}
already_frozen as (
    select cast(null as {{ dbt.type_string() }}) as posting_id where 1 = 0
),
{% endif %}

final as (
    select
        {% for column in revrec_posting_columns() %}postings.{{ column }},
        {% endfor %}cast({{ dbt.current_timestamp() }} as timestamp) as frozen_at
    from postings
    inner join closed_periods
        on postings.billing_entity_code = closed_periods.billing_entity_code
        and postings.posting_period = closed_periods.period
    where not exists (select 1 from already_frozen where already_frozen.posting_id = postings.posting_id)
)

select * from final
