{#- Time rules of rating (pricing.md section 1/3), each once. Raw timestamps are naive UTC;
    billing days are local dates in the customer's (else the entity's) timezone. -#}

{#- Naive UTC timestamp -> naive local wall-clock timestamp in `tz`. -#}
{% macro utc_to_local(ts_expr, tz_expr) -%}
    {{ return(adapter.dispatch('utc_to_local', 'revhouse')(ts_expr, tz_expr)) }}
{%- endmacro %}
{#- UTC itself skips the zone lookup: same result, and it is most of the cost per event. -#}
{% macro default__utc_to_local(ts_expr, tz_expr) -%}
    case when {{ tz_expr }} = 'UTC' then {{ ts_expr }} else timezone({{ tz_expr }}, {{ ts_expr }} at time zone 'UTC') end
{%- endmacro %}
{% macro postgres__utc_to_local(ts_expr, tz_expr) -%}
    (({{ ts_expr }} at time zone 'UTC') at time zone {{ tz_expr }})
{%- endmacro %}
{% macro spark__utc_to_local(ts_expr, tz_expr) -%}
    from_utc_timestamp({{ ts_expr }}, {{ tz_expr }})
{%- endmacro %}

{#- Naive local wall-clock timestamp in `tz` -> naive UTC timestamp. -#}
{% macro local_to_utc(ts_expr, tz_expr) -%}
    {{ return(adapter.dispatch('local_to_utc', 'revhouse')(ts_expr, tz_expr)) }}
{%- endmacro %}
{% macro default__local_to_utc(ts_expr, tz_expr) -%}
    timezone('UTC', timezone({{ tz_expr }}, {{ ts_expr }}))
{%- endmacro %}
{% macro postgres__local_to_utc(ts_expr, tz_expr) -%}
    (({{ ts_expr }} at time zone {{ tz_expr }}) at time zone 'UTC')
{%- endmacro %}
{% macro spark__local_to_utc(ts_expr, tz_expr) -%}
    to_utc_timestamp({{ ts_expr }}, {{ tz_expr }})
{%- endmacro %}

{#- Local date of a naive UTC instant. -#}
{% macro utc_to_local_date(ts_expr, tz_expr) -%}
    cast({{ utc_to_local(ts_expr, tz_expr) }} as date)
{%- endmacro %}

{#- First UTC instant of a local date (its local midnight). -#}
{% macro local_date_start_at(date_expr, tz_expr) -%}
    {{ local_to_utc('cast(' ~ date_expr ~ ' as timestamp)', tz_expr) }}
{%- endmacro %}

{#- Last UTC instant of a local date: the charge window's `to` is inclusive (pricing.md 1). -#}
{% macro local_date_end_at(date_expr, tz_expr) -%}
    {{ dbt.dateadd('microsecond', -1, local_to_utc('cast(' ~ dbt.dateadd('day', 1, date_expr) ~ ' as timestamp)', tz_expr)) }}
{%- endmacro %}

{#- Seconds since the epoch of a naive UTC timestamp (whole seconds). -#}
{% macro epoch_seconds(ts_expr) -%}
    {{ dbt.datediff("cast('1970-01-01' as timestamp)", ts_expr, 'second') }}
{%- endmacro %}

{#- Inclusive day count between two dates. -#}
{% macro days_inclusive(start_date_expr, end_date_expr) -%}
    ({{ dbt.datediff(start_date_expr, end_date_expr, 'day') }} + 1)
{%- endmacro %}

{#- The billing "now": var `as_of`, else the settings row `as_of`, else the run time.
    `settings_relation` is a relation with key/value columns. -#}
{% macro rating_as_of_at(settings_relation) -%}
    coalesce(
        {% if var('as_of', none) %}cast('{{ var("as_of") }}' as timestamp),{% endif %}
        (select cast(nullif(value, '') as timestamp) from {{ settings_relation }} where key = 'as_of'),
        cast({{ dbt.current_timestamp() }} as timestamp)
    )
{%- endmacro %}

{#- Every subscription version with its start as a local date (started_at, else subscription_at,
    in the customer's timezone, else its billing entity's, else UTC): how a CRM contract's
    start date is compared with billing (revrec A1 matching, the assurance contract checks). -#}
{% macro subscription_local_starts() -%}
    select
        subscriptions.lago_subscription_id,
        subscriptions.external_subscription_id,
        subscriptions.external_customer_id,
        subscriptions.plan_code,
        {{ utc_to_local_date('coalesce(subscriptions.started_at, subscriptions.subscription_at)', "coalesce(customers.timezone, entities.timezone, 'UTC')") }}
            as start_date
    from {{ ref('stg_lago__subscriptions') }} as subscriptions
    left join {{ ref('stg_lago__customers') }} as customers
        on subscriptions.external_customer_id = customers.external_customer_id
    left join {{ ref('stg_reference__billing_entities') }} as entities
        on customers.billing_entity_code = entities.billing_entity_code
{%- endmacro %}
