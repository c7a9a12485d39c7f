-- The dunning actions of the as-of day (what `revhouse collections --as-of` lists): the attempts
-- dated that UTC day. Build with --vars '{as_of: ...}' for another day.
with attempts as (
    select * from {{ ref('fct_dunning_attempts') }}
),

settings as (
    select * from {{ ref('stg_reference__settings') }}
),

as_of as (
    select cast({{ rating_as_of_at('settings') }} as date) as as_of_date
),

final as (
    select
        as_of.as_of_date,
        attempts.dunning_attempt_id,
        attempts.attempt_source,
        attempts.external_customer_id,
        attempts.currency,
        attempts.billing_entity_code,
        attempts.attempted_at,
        attempts.attempt_number,
        attempts.dunning_campaign_code,
        attempts.is_final_attempt,
        attempts.amount_minor
    from attempts
    inner join as_of on attempts.attempted_date = as_of.as_of_date
)

select * from final
