{{ config(meta={'dagster': {'ref': {'name': 'fct_shadow_billing_lines'}}}) }}
-- Shadow billing's conservation (docs/assurance.md §5): every fee revhouse put on a non-voided
-- invoice and every line the incumbent billed (coupons and voided invoices aside) sits in
-- fct_shadow_billing_lines exactly once, and the mart names no line the sources do not have.
-- Read from the billing marts and billed staging, not the shadow models. Returns the offending lines.
with revhouse_source as (
    select fees.fee_id as line_id
    from {{ ref('fct_invoice_fees') }} as fees
    inner join {{ ref('fct_invoices') }} as invoices on fees.invoice_id = invoices.invoice_id
    where {{ shadow_is_revhouse_fee('invoices') }}
),

incumbent_source as (
    select {{ shadow_billed_line_id('lines') }} as line_id
    from {{ ref('stg_billed__invoice_lines') }} as lines
    inner join {{ ref('stg_billed__invoices') }} as invoices on lines.invoice_id = invoices.invoice_id
    where {{ shadow_is_billed_line('lines', 'invoices') }}
),

shadow as (
    select * from {{ ref('fct_shadow_billing_lines') }}
),

revhouse_counts as (
    select revhouse_source.line_id, count(shadow.shadow_line_id) as times
    from revhouse_source
    left join shadow on shadow.revhouse_line_id = revhouse_source.line_id
    group by revhouse_source.line_id
),

incumbent_counts as (
    select incumbent_source.line_id, count(shadow.shadow_line_id) as times
    from incumbent_source
    left join shadow on shadow.incumbent_line_id = incumbent_source.line_id
    group by incumbent_source.line_id
),

final as (
    select 'revhouse' as side, line_id, times from revhouse_counts where times <> 1
    union all
    select 'incumbent' as side, line_id, times from incumbent_counts where times <> 1
    union all
    select 'revhouse' as side, revhouse_line_id as line_id, 0 as times from shadow
    where revhouse_line_id is not null
        and not exists (select 1 from revhouse_source where revhouse_source.line_id = shadow.revhouse_line_id)
    union all
    select 'incumbent' as side, incumbent_line_id as line_id, 0 as times from shadow
    where incumbent_line_id is not null
        and not exists (select 1 from incumbent_source where incumbent_source.line_id = shadow.incumbent_line_id)
    union all
    -- a row with neither side is no line at all
    select 'none' as side, shadow_line_id as line_id, 0 as times from shadow
    where revhouse_line_id is null and incumbent_line_id is null
)

select * from final
