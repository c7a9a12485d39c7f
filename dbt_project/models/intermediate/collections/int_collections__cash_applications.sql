-- INTERFACE STUB (replaced by the cash-application work, collections.md 4): one row per
-- movement of cash onto or off an invoice. Consumers (invoice payment state, aging, DSO,
-- dunning recovery) read only these columns.
with final as (
    select
        cast(null as varchar) as application_id,
        cast(null as varchar) as payment_id,
        cast(null as varchar) as gateway,
        cast(null as varchar) as invoice_source,
        cast(null as varchar) as invoice_id,
        cast(null as varchar) as currency,
        cast(null as varchar) as movement_kind,
        cast(null as bigint) as amount_minor,
        cast(null as timestamp) as effective_at,
        cast(null as varchar) as match_pass,
        cast(null as decimal(5, 2)) as match_confidence
)

select * from final
where 1 = 0
