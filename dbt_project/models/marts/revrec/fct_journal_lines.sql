{#- The general-ledger journal lines (metrics-and-revrec.md A11, A12): the document-currency legs
    of int_revrec__journal_legs with their account codes, translated to the entity's functional
    currency at the rate of each leg's date (ECB legs crossed through EUR, last published on or
    before the date), revenue cumulatively per PO, and each entry balanced in functional currency
    (rounding on its largest line, a difference between rates to fx_gain_loss). -#}
{%- set line_columns = [
    'entry_id', 'entry_kind', 'entry_date', 'period', 'billing_entity_code', 'contract_id', 'po_id', 'document_id',
    'source_id', 'account_role', 'account_order', 'currency', 'amount_minor', 'functional_currency', 'exact_fx_rate',
    'fx_rate_date', 'fx_rate_source', 'functional_amount_minor', 'period_of_origin', 'memo',
    'position_before_minor', 'position_after_minor',
] -%}

with legs as (
    select * from {{ ref('int_revrec__journal_legs') }}
),

entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

rates as (
    select * from {{ ref('stg_ecb__rates') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

chart_of_accounts as (
    select * from {{ ref('stg_reference__chart_of_accounts') }}
),

-- an entity without a functional currency keeps its books in its billing currency
leg_currencies as (
    select
        legs.*,
        legs.rate_date as translation_date,
        coalesce(entities.functional_currency, entities.currency) as functional_currency
    from legs
    left join entities on legs.billing_entity_code = entities.billing_entity_code
),

needed_legs as (
    select translation_date, currency from leg_currencies where currency <> functional_currency
    union
    select translation_date, functional_currency from leg_currencies where currency <> functional_currency
),

ecb_legs as (
    {{ ecb_last_legs('needed_legs', 'translation_date', 'rates') }}
),

rated as (
    select
        leg_currencies.*,
        case
            when leg_currencies.currency = leg_currencies.functional_currency then 'identity'
            when source_leg.rate is not null and target_leg.rate is not null then 'ECB'
        end as fx_rate_source,
        {{ fx_rate_columns('leg_currencies.currency = leg_currencies.functional_currency', 'leg_currencies.translation_date',
            'target_leg', 'source_leg', 'exact_fx_rate') }},
        source_leg.rate as source_leg_rate,
        target_leg.rate as target_leg_rate,
        source_exponent.minor_unit_exponent as source_exponent,
        target_exponent.minor_unit_exponent as target_exponent,
        -- A12: revenue translated cumulatively per PO and rate, so the months of a PO add up to
        -- the translated amount that left deferred revenue
        case
            when leg_currencies.is_cumulative_translation then sum(leg_currencies.amount_minor) over (
                partition by leg_currencies.po_id, leg_currencies.account_role, leg_currencies.currency,
                    leg_currencies.functional_currency, leg_currencies.translation_date
                order by leg_currencies.entry_date, leg_currencies.kind_order, leg_currencies.first_posting_id, leg_currencies.source_id
                rows between unbounded preceding and current row
            )
        end as cumulative_amount_minor
    from leg_currencies
    left join ecb_legs as source_leg
        on leg_currencies.translation_date = source_leg.translation_date and leg_currencies.currency = source_leg.currency
    left join ecb_legs as target_leg
        on leg_currencies.translation_date = target_leg.translation_date and leg_currencies.functional_currency = target_leg.currency
    left join currencies as source_exponent on leg_currencies.currency = source_exponent.currency
    left join currencies as target_exponent on leg_currencies.functional_currency = target_exponent.currency
),

translated as (
    select
        rated.*,
        case
            when fx_rate_source = 'identity' then amount_minor
            when fx_rate_source is null then null
            when is_cumulative_translation
                then {{ fx_legs_to_minor('cumulative_amount_minor', 'target_leg_rate', 'source_leg_rate', 'source_exponent', 'target_exponent') }}
                - {{ fx_legs_to_minor('(cumulative_amount_minor - amount_minor)', 'target_leg_rate', 'source_leg_rate', 'source_exponent', 'target_exponent') }}
            else {{ fx_legs_to_minor('amount_minor', 'target_leg_rate', 'source_leg_rate', 'source_exponent', 'target_exponent') }}
        end as translated_amount_minor,
        row_number() over (
            partition by entry_id
            order by abs(amount_minor) desc, account_order, po_id, source_id
        ) as size_rank
    from rated
),

entry_translation as (
    select
        entry_id,
        sum(translated_amount_minor) as functional_imbalance_minor,
        count(*) - count(translated_amount_minor) as untranslated_lines,
        count(distinct exact_fx_rate) as rates_used
    from translated
    group by entry_id
),

-- one rate: the imbalance is rounding and goes to the largest line; several rates: it is the
-- difference between them (a settlement at another rate than the invoice's) → fx_gain_loss
balanced as (
    select
        translated.*,
        translated.translated_amount_minor
        - case
            when entry_translation.untranslated_lines = 0 and entry_translation.rates_used = 1 and translated.size_rank = 1
                then entry_translation.functional_imbalance_minor
            else 0
        end as functional_amount_minor
    from translated
    inner join entry_translation on translated.entry_id = entry_translation.entry_id
),

fx_difference_lines as (
    select
        balanced.entry_id,
        max(balanced.entry_kind) as entry_kind,
        max(balanced.entry_date) as entry_date,
        max(balanced.period) as period,
        max(balanced.billing_entity_code) as billing_entity_code,
        max(balanced.contract_id) as contract_id,
        cast(null as varchar) as po_id,
        max(case when balanced.size_rank = 1 then balanced.document_id end) as document_id,
        max(case when balanced.size_rank = 1 then balanced.source_id end) as source_id,
        'fx_gain_loss' as account_role,
        9 as account_order,
        max(balanced.currency) as currency,
        cast(0 as bigint) as amount_minor,
        max(balanced.functional_currency) as functional_currency,
        cast(null as decimal(24, 10)) as exact_fx_rate,
        cast(null as date) as fx_rate_date,
        cast(null as varchar) as fx_rate_source,
        -max(entry_translation.functional_imbalance_minor) as functional_amount_minor,
        max(balanced.period_of_origin) as period_of_origin,
        'fx difference: ' || max(case when balanced.size_rank = 1 then balanced.memo end) as memo,
        max(balanced.position_before_minor) as position_before_minor,
        max(balanced.position_after_minor) as position_after_minor
    from balanced
    inner join entry_translation on balanced.entry_id = entry_translation.entry_id
    where entry_translation.untranslated_lines = 0
        and entry_translation.rates_used > 1
        and entry_translation.functional_imbalance_minor <> 0
    group by balanced.entry_id
),

lines as (
    select {{ line_columns | join(', ') }} from balanced
    union all
    select {{ line_columns | join(', ') }} from fx_difference_lines
),

final as (
    select
        lines.entry_id,
        cast(row_number() over (
            partition by lines.entry_id order by lines.account_order, lines.po_id, lines.source_id
        ) as bigint) as line_number,
        lines.entry_date,
        lines.period,
        lines.entry_kind,
        lines.billing_entity_code,
        lines.contract_id,
        lines.po_id,
        lines.document_id,
        lines.source_id,
        lines.account_role,
        chart_of_accounts.account_code,
        lines.currency,
        cast(case when lines.amount_minor > 0 then lines.amount_minor else 0 end as bigint) as debit_minor,
        cast(case when lines.amount_minor < 0 then -lines.amount_minor else 0 end as bigint) as credit_minor,
        lines.functional_currency,
        cast(lines.exact_fx_rate as decimal(18, 8)) as fx_rate,
        lines.fx_rate_date,
        lines.fx_rate_source,
        -- null (not 0) when the leg has no rate: an untranslated line is never read as zero
        cast(case when lines.functional_amount_minor > 0 then lines.functional_amount_minor
            when lines.functional_amount_minor is not null then 0 end as bigint) as functional_debit_minor,
        cast(case when lines.functional_amount_minor < 0 then -lines.functional_amount_minor
            when lines.functional_amount_minor is not null then 0 end as bigint) as functional_credit_minor,
        lines.period_of_origin,
        lines.memo,
        chart_of_accounts.account_name,
        lines.position_before_minor as contract_position_before_minor,
        lines.position_after_minor as contract_position_after_minor
    from lines
    left join chart_of_accounts on lines.account_role = chart_of_accounts.account_role
)

select * from final
