{#- Closed accounting periods, frozen (A10): a (billing entity, period) enters once, in the
    first build that sees it closed (int_revrec__closed_periods), and is never updated. From
    then on int_revrec__postings reads it back (source frozen_revrec_state) and posts nothing
    new into it. A period closed before the warehouse first built is frozen as first computed.
    full_refresh=false: --full-refresh never rebuilds it; a column change fails the run. -#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail', full_refresh=false) }}
{#- A period is frozen only after its postings are: a build stopped between the two (a failed
    test, a kill) must never leave a period marked frozen whose postings were not stored, or
    every posting of it would come back as a late adjustment. fct_frozen_postings runs first. -#}
-- depends_on: {{ ref('fct_frozen_postings') }}

with closed_periods as (
    select * from {{ ref('int_revrec__closed_periods') }}
),

{% if is_incremental() %}
already_frozen as (
    select billing_entity_code, period from {{ this }}
),
{% else %}
already_frozen as (
    select cast(null as {{ dbt.type_string() }}) as billing_entity_code, cast(null as {{ dbt.type_string() }}) as period
    where 1 = 0
),
{% endif %}

final as (
    select
        closed_periods.billing_entity_code,
        closed_periods.period,
        closed_periods.period_start,
        closed_periods.closed_at,
        closed_periods.closed_by,
        cast({{ dbt.current_timestamp() }} as timestamp) as frozen_at
    from closed_periods
    where not exists (
        select 1 from already_frozen
        where already_frozen.billing_entity_code = closed_periods.billing_entity_code
          and already_frozen.period = closed_periods.period
    )
)

select * from final
