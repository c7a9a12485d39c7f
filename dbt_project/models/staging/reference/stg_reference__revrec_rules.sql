-- Product revenue-recognition rules (metrics-and-revrec.md A1, A4.3, A4.4): seed
-- `product_revrec_rules` (empty: the policy's defaults live in int_revrec__performance_obligations)
-- overlaid by landed reference/revrec_rules rows, the newest landing of a product winning.
-- `distinct`, `usage_expedient` and `kind` are optional: empty = the policy's default.
with overlaid as (
    {{ reference_overlay('product_revrec_rules', 'revrec_rules',
        ['product', 'pattern', 'distinct', 'usage_expedient', 'kind'], ['product']) }}
),

final as (
    select
        product,
        pattern,
        case lower({{ adapter.quote('distinct') }}) when 'true' then true when 'false' then false end as is_distinct,
        case lower(usage_expedient) when 'true' then true when 'false' then false end as usage_expedient,
        nullif(kind, '') as product_kind,
        _is_seed = 1 as is_from_seed,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
