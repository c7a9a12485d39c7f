-- The SSP price book (metrics-and-revrec.md A3.1 b): seed `ssp_price_book` (empty) overlaid by
-- landed reference/ssp rows, the newest landing of (product, currency, valid_from) winning.
-- The reference parser has checked the currency, the whole minor units, the dates and the
-- method; the safe casts only guard the seed (a value they cannot read gives null and fails the
-- not_null test on ssp_minor).
with overlaid as (
    {{ reference_overlay('ssp_price_book', 'ssp',
        ['product', 'currency', 'ssp_minor', 'valid_from', 'valid_to', 'ssp_method', 'ssp_source'],
        ['product', 'currency', 'valid_from']) }}
),

final as (
    select
        product,
        upper(currency) as currency,
        {{ reference_try_cast('ssp_minor', 'bigint') }} as ssp_minor,
        {{ reference_try_cast("nullif(valid_from, '')", 'date') }} as valid_from,
        {{ reference_try_cast("nullif(valid_to, '')", 'date') }} as valid_to,
        coalesce(nullif(ssp_method, ''), 'relative') as ssp_method,
        coalesce(nullif(ssp_source, ''), 'price_book') as ssp_source,
        _is_seed = 1 as is_from_seed,
        _source_file,
        _ingested_at
    from overlaid
)

select * from final
