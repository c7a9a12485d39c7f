-- Shadow billing, the pairing: each revhouse line with at most one incumbent line of the same
-- customer, subscription, charge key, service period and currency (a wallet top-up, which has
-- no service period at the incumbent, by its issuing month). Lines of equal amount pair first
-- (so two lines of one key, e.g. a charge's filters or a duplicate, pair with their equals),
-- then what is left pairs in order of amount; a line with no partner is missing on the other
-- side. Every line of either side sits in exactly one row.
with revhouse_lines as (
    select * from {{ ref('int_assurance__shadow_revhouse_lines') }}
),

incumbent_lines as (
    select * from {{ ref('int_assurance__shadow_incumbent_lines') }}
),

{#- a top-up has no service period at the incumbent: it pairs within its issuing month #}
{%- set period_keys -%}
        case when charge_key = 'prepaid_credits' then cast({{ dbt.date_trunc('month', 'issuing_date') }} as date) else service_from_date end as period_from_key,
        case when charge_key = 'prepaid_credits' then cast({{ dbt.date_trunc('month', 'issuing_date') }} as date) else service_to_date end as period_to_key
{%- endset %}
{%- set key = ['external_customer_id', 'subscription_key', 'charge_key', 'period_from_key', 'period_to_key', 'currency'] %}

sides as (
    select
        'revhouse' as side, line_id, issuing_date, coalesce(invoice_number, invoice_id) as invoice_key, external_customer_id,
        coalesce(external_subscription_id, '') as subscription_key, charge_key,
        {{ period_keys }}, currency, amount_minor, coalesce(units, 0) as units
    from revhouse_lines
    union all
    select
        'incumbent' as side, line_id, issuing_date, coalesce(invoice_number, invoice_id) as invoice_key, external_customer_id,
        coalesce(external_subscription_id, '') as subscription_key, charge_key,
        {{ period_keys }}, currency, amount_minor, coalesce(units, 0) as units
    from incumbent_lines
),

-- pass 1: equal amount, in order of units (so a charge's filter lines pair with their own),
-- then earliest invoices first with an invoice's lines together (a duplicated invoice leaves
-- the later-numbered copy unpaired)
exact_ranked as (
    select
        sides.*,
        row_number() over (
            partition by side, {{ key | join(', ') }}, amount_minor
            order by units, issuing_date, invoice_key, line_id
        ) as pair_rank
    from sides
),

exact_pairs as (
    select
        r.line_id as revhouse_line_id,
        i.line_id as incumbent_line_id,
        'equal_amount' as pairing
    {{ shadow_pair_join('exact_ranked', key + ['amount_minor']) }}
),

-- pass 2: what pass 1 left, by key, largest amounts first
rest_ranked as (
    select
        sides.*,
        row_number() over (
            partition by side, {{ key | join(', ') }}
            order by amount_minor desc, units desc, issuing_date, invoice_key, line_id
        ) as pair_rank
    from sides
    where {{ shadow_not_paired('sides', 'exact_pairs') }}
),

key_pairs as (
    select
        r.line_id as revhouse_line_id,
        i.line_id as incumbent_line_id,
        'same_key' as pairing
    {{ shadow_pair_join('rest_ranked', key) }}
),

unpaired as (
    select
        case when side = 'revhouse' then line_id end as revhouse_line_id,
        case when side = 'incumbent' then line_id end as incumbent_line_id,
        'none' as pairing
    from rest_ranked
    where {{ shadow_not_paired('rest_ranked', 'key_pairs') }}
),

pairs as (
    select * from exact_pairs
    union all
    select * from key_pairs
    union all
    select * from unpaired
),

final as (
    select
        {{ dbt.hash("coalesce(revhouse_line_id, '') || '|' || coalesce(incumbent_line_id, '')") }} as shadow_line_id,
        revhouse_line_id,
        incumbent_line_id,
        pairing
    from pairs
)

select * from final
