{#- The charge models of pricing.md 2, each rule once. Used by the period charge fees and by
    the pay-in-advance fees (which price cumulative units before/after each event).

    `inputs` is a relation/CTE with: price_key, charge_model, units, events_count,
    currency_exponent, amount, package_size, free_units, rate, fixed_amount,
    free_units_per_events, free_units_per_total_aggregation, per_transaction_min_amount,
    per_transaction_max_amount, per_transaction_amount_minor, precise_total_amount_cents_sum,
    charge_lago_id, charge_filter_index.
    `ranges` is stg_lago__charge_ranges (or a CTE of the same shape).
    Returns price_key, precise_amount_minor (unrounded, clamped at 0). -#}
{% macro charge_amount_query(inputs, ranges) -%}
    with ranges_prepared as (
        select
            ranges_base.*,
            lag(ranges_base.to_value) over (
                partition by ranges_base.charge_lago_id, ranges_base.charge_filter_index, ranges_base.range_kind
                order by ranges_base.range_index
            ) as previous_to_value,
            ranges_base.range_index = min(ranges_base.range_index) over (
                partition by ranges_base.charge_lago_id, ranges_base.charge_filter_index, ranges_base.range_kind
            ) as is_first_range
        from {{ ranges }} as ranges_base
    ),

    -- ranges written adjacent (0–10, 10–20) count min(u, to) − from units in a later tier;
    -- written 0–10, 11–20 they count min(u, to) − from + 1 (pricing.md 2)
    range_conventions as (
        select
            charge_lago_id, charge_filter_index, range_kind,
            max(case when from_value = previous_to_value then 1 else 0 end) as is_adjacent
        from ranges_prepared
        group by charge_lago_id, charge_filter_index, range_kind
    ),

    ranges_ready as (
        select ranges_prepared.*, range_conventions.is_adjacent
        from ranges_prepared
        inner join range_conventions
            on ranges_prepared.charge_lago_id = range_conventions.charge_lago_id
            and ranges_prepared.charge_filter_index = range_conventions.charge_filter_index
            and ranges_prepared.range_kind = range_conventions.range_kind
    ),

    -- graduated / graduated_percentage: every tier reached adds its units' price and its flat
    -- amount; a tier is reached when it is the first or the previous tier ends below u
    tiered as (
        select
            inputs_tiered.price_key,
            sum(
                case when ranges_ready.is_first_range or inputs_tiered.units > ranges_ready.previous_to_value then
                    {{ exact_multiply(
                        "case when ranges_ready.is_first_range
                            then case when ranges_ready.to_value is not null and ranges_ready.to_value < inputs_tiered.units then ranges_ready.to_value else inputs_tiered.units end
                            else case when (case when ranges_ready.to_value is not null and ranges_ready.to_value < inputs_tiered.units then ranges_ready.to_value else inputs_tiered.units end) - ranges_ready.from_value + (1 - ranges_ready.is_adjacent) < 0 then 0
                                else (case when ranges_ready.to_value is not null and ranges_ready.to_value < inputs_tiered.units then ranges_ready.to_value else inputs_tiered.units end) - ranges_ready.from_value + (1 - ranges_ready.is_adjacent) end
                        end",
                        "case when inputs_tiered.charge_model = 'graduated_percentage' then " ~ exact_divide('ranges_ready.rate', 100) ~ " else ranges_ready.per_unit_amount end") }}
                    + ranges_ready.flat_amount
                else 0 end
            ) as amount_major
        from {{ inputs }} as inputs_tiered
        inner join ranges_ready
            on inputs_tiered.charge_lago_id = ranges_ready.charge_lago_id
            and inputs_tiered.charge_filter_index = ranges_ready.charge_filter_index
            and ranges_ready.range_kind = inputs_tiered.charge_model || '_ranges'
        where inputs_tiered.charge_model in ('graduated', 'graduated_percentage')
            -- graduated_percentage bills nothing at 0 units (documented choice)
            and not (inputs_tiered.charge_model = 'graduated_percentage' and inputs_tiered.units = 0)
        group by inputs_tiered.price_key
    ),

    -- volume: the first range whose upper bound is at or above u prices every unit
    volume_candidates as (
        select
            inputs_volume.price_key,
            {{ exact_multiply('inputs_volume.units', 'ranges_ready.per_unit_amount') }} + ranges_ready.flat_amount as amount_major,
            row_number() over (partition by inputs_volume.price_key order by ranges_ready.range_index) as range_rank
        from {{ inputs }} as inputs_volume
        inner join ranges_ready
            on inputs_volume.charge_lago_id = ranges_ready.charge_lago_id
            and inputs_volume.charge_filter_index = ranges_ready.charge_filter_index
            and ranges_ready.range_kind = 'volume_ranges'
        where inputs_volume.charge_model = 'volume'
            and (ranges_ready.to_value is null or ranges_ready.to_value >= inputs_volume.units)
    ),

    volume as (
        select price_key, amount_major from volume_candidates where range_rank = 1
    ),

    priced as (
        select
            inputs_all.price_key,
            case inputs_all.charge_model
                when 'standard' then {{ major_to_precise_minor(exact_multiply('inputs_all.units', 'coalesce(inputs_all.amount, 0)'), 'inputs_all.currency_exponent') }}
                when 'package' then {{ major_to_precise_minor(
                    "case when inputs_all.units - coalesce(inputs_all.free_units, 0) <= 0 then 0 else "
                    ~ exact_multiply(exact_ceil_divide('inputs_all.units - coalesce(inputs_all.free_units, 0)', 'inputs_all.package_size'), 'coalesce(inputs_all.amount, 0)') ~ " end",
                    'inputs_all.currency_exponent') }}
                when 'percentage' then case
                    -- with a per-transaction min/max each event is priced alone, clamped,
                    -- then summed (precomputed per event in minor units)
                    when inputs_all.per_transaction_min_amount is not null or inputs_all.per_transaction_max_amount is not null
                        then coalesce(inputs_all.per_transaction_amount_minor, 0)
                    else {{ major_to_precise_minor(
                        exact_multiply(
                            "case when inputs_all.units - coalesce(inputs_all.free_units_value, 0) < 0 then 0 else inputs_all.units - coalesce(inputs_all.free_units_value, 0) end",
                            exact_divide('coalesce(inputs_all.rate, 0)', 100))
                        ~ " + " ~ exact_multiply(
                            "case when inputs_all.events_count - coalesce(inputs_all.free_events_count, 0) < 0 then 0 else inputs_all.events_count - coalesce(inputs_all.free_events_count, 0) end",
                            'coalesce(inputs_all.fixed_amount, 0)'),
                        'inputs_all.currency_exponent') }}
                end
                when 'graduated' then {{ major_to_precise_minor('tiered.amount_major', 'inputs_all.currency_exponent') }}
                when 'graduated_percentage' then {{ major_to_precise_minor('coalesce(tiered.amount_major, 0)', 'inputs_all.currency_exponent') }}
                when 'volume' then {{ major_to_precise_minor('volume.amount_major', 'inputs_all.currency_exponent') }}
                -- dynamic: the events carry their own price, already in minor units
                when 'dynamic' then case when inputs_all.units = 0 then 0 else inputs_all.precise_total_amount_cents_sum end
            end as amount_raw
        from {{ inputs }} as inputs_all
        left join tiered on inputs_all.price_key = tiered.price_key
        left join volume on inputs_all.price_key = volume.price_key
    )

    select
        price_key,
        cast(case when coalesce(amount_raw, 0) < 0 then 0 else coalesce(amount_raw, 0) end as decimal(38, 12)) as precise_amount_minor
    from priced
{%- endmacro %}

{#- One event priced alone by a percentage charge with per-transaction bounds (pricing.md 2):
    value × rate ÷ 100 + fixed_amount, clamped to [min, max]; unrounded minor units. -#}
{% macro per_transaction_amount_minor(value_expr, rate_expr, fixed_expr, min_expr, max_expr, exponent_expr) -%}
    {%- set raw = major_to_precise_minor(exact_multiply(value_expr, exact_divide('coalesce(' ~ rate_expr ~ ', 0)', 100)) ~ ' + coalesce(' ~ fixed_expr ~ ', 0)', exponent_expr) -%}
    {%- set min_minor = major_to_precise_minor(min_expr, exponent_expr) -%}
    {%- set max_minor = major_to_precise_minor(max_expr, exponent_expr) -%}
    case
        when {{ max_expr }} is not null and {{ raw }} > {{ max_minor }} then {{ max_minor }}
        when {{ min_expr }} is not null and {{ raw }} < {{ min_minor }} then {{ min_minor }}
        else {{ raw }}
    end
{%- endmacro %}
