{#- The double-entry legs of the A11 journal entries in document currency, before translation
    (metrics-and-revrec.md A11, A6): direct legs from each posting's deltas, and the two position
    legs (deferred revenue, unbilled receivable) from the contract's running position. Signed
    amounts: positive = debit, negative = credit. Each leg also carries the date whose rate
    translates it (A12), for fct_journal_lines. -#}
with postings as (
    select * from {{ ref('int_revrec__postings') }}
),

-- the fixed order of posting kinds within a day: documents first (an invoice, then the notes
-- and voids that reduce it), then cash, then the catch-ups a note causes, then adjustments,
-- and the month's recognition last (it covers the service through the end of its day)
ordered_postings as (
    select
        postings.*,
        case posting_kind
            when 'invoice' then 1
            when 'credit_note' then 2
            when 'void' then 3
            when 'payment' then 4
            when 'refund' then 5
            when 'chargeback' then 6
            when 'catch_up' then 7
            when 'adjustment' then 8
            when 'recognition' then 9
        end as kind_order,
        case
            when posting_kind = 'recognition'
                then 'je:recognition:' || billing_entity_code || ':' || contract_id || ':' || currency || ':' || posting_period
            else 'je:' || posting_id
        end as entry_id,
        coalesce(billed_delta_minor, 0) - coalesce(recognized_delta_minor, 0) as position_delta_minor,
        coalesce(recognized_delta_minor, 0) + coalesce(contra_delta_minor, 0) as gross_revenue_minor
    from postings
),

entries as (
    select
        entry_id,
        max(posting_kind) as entry_kind,
        max(billing_entity_code) as billing_entity_code,
        max(contract_id) as contract_id,
        max(currency) as currency,
        max(posting_period) as period,
        max(posting_date) as entry_date,
        max(kind_order) as kind_order,
        min(posting_id) as first_posting_id,
        sum(position_delta_minor) as position_delta_minor
    from ordered_postings
    group by entry_id
),

-- A6/A11: the contract's position p = Σ (billed − recognised) in posting order
positioned_entries as (
    select
        entries.*,
        sum(position_delta_minor) over (
            partition by billing_entity_code, contract_id, currency
            order by entry_date, kind_order, first_posting_id
            rows between unbounded preceding and current row
        ) as position_after_minor
    from entries
),

position_changes as (
    select
        positioned_entries.*,
        position_after_minor - position_delta_minor as position_before_minor,
        (case when position_after_minor > 0 then position_after_minor else 0 end)
        - (case when position_after_minor - position_delta_minor > 0 then position_after_minor - position_delta_minor else 0 end)
            as deferred_increase_minor,
        (case when position_after_minor < 0 then -position_after_minor else 0 end)
        - (case when position_after_minor - position_delta_minor < 0 then position_delta_minor - position_after_minor else 0 end)
            as unbilled_increase_minor
    from positioned_entries
),

-- the posting that dates an entry's position legs: the entry's own posting, or for a recognition
-- entry its largest PO posting (deferred revenue released at the rate it arose at, A12)
leading_postings as (
    select entry_id, posting_id, document_id, memo, event_date, document_rate_date
    from (
        select
            ordered_postings.*,
            row_number() over (
                partition by entry_id
                order by abs(position_delta_minor) desc, posting_id
            ) as size_rank
        from ordered_postings
    ) as ranked
    where size_rank = 1
),

direct_legs as (
    select entry_id, posting_id, po_id, document_id, memo, 'cash' as account_role,
        cash_delta_minor as amount_minor, event_date as rate_date
    from ordered_postings
    union all
    -- cash and AR are monetary, at the event's rate; a settlement clears AR at the rate the
    -- invoice booked it (its document_rate_date), so the difference is realised FX
    select entry_id, posting_id, po_id, document_id, memo, 'accounts_receivable',
        ar_delta_minor,
        case when posting_kind in ('payment', 'refund', 'chargeback') then coalesce(document_rate_date, event_date) else event_date end
    from ordered_postings
    union all
    select entry_id, posting_id, po_id, document_id, memo, 'tax_payable',
        -tax_delta_minor, event_date
    from ordered_postings
    union all
    -- A2: prepaid credits sold are owed to the customer (credit), credits spent on an invoice
    -- pay it (debit); never revenue by themselves
    select entry_id, posting_id, po_id, document_id, memo, 'prepaid_credits',
        -coalesce(prepaid_credit_delta_minor, 0), event_date
    from ordered_postings
    union all
    -- net recognised revenue r with its contra part c: credit revenue r + c, debit contra
    -- revenue c; a net reversal (r + c < 0) goes wholly to contra revenue (A11)
    select entry_id, posting_id, po_id, document_id, memo, 'revenue',
        -(case when gross_revenue_minor > 0 then gross_revenue_minor else 0 end),
        coalesce(document_rate_date, event_date)
    from ordered_postings
    union all
    select entry_id, posting_id, po_id, document_id, memo, 'contra_revenue',
        (case when gross_revenue_minor > 0 then gross_revenue_minor else 0 end) - coalesce(recognized_delta_minor, 0),
        coalesce(document_rate_date, event_date)
    from ordered_postings
),

position_legs as (
    select
        position_changes.entry_id,
        case when position_changes.entry_kind = 'recognition' then null else leading_postings.posting_id end as posting_id,
        cast(null as varchar) as po_id,
        case when position_changes.entry_kind = 'recognition' then null else leading_postings.document_id end as document_id,
        case
            when position_changes.entry_kind = 'recognition'
                then 'revenue recognised in ' || position_changes.period || ', contract ' || position_changes.contract_id
            else leading_postings.memo
        end as memo,
        accounts.account_role,
        case accounts.account_role
            when 'deferred_revenue' then -position_changes.deferred_increase_minor
            else position_changes.unbilled_increase_minor
        end as amount_minor,
        case accounts.account_role
            when 'deferred_revenue' then coalesce(leading_postings.document_rate_date, leading_postings.event_date)
            else leading_postings.event_date
        end as rate_date
    from position_changes
    inner join leading_postings on position_changes.entry_id = leading_postings.entry_id
    cross join (
        select 'deferred_revenue' as account_role
        union all
        select 'unbilled_receivable'
    ) as accounts
),

entry_origins as (
    select entry_id, max(period_of_origin) as period_of_origin from ordered_postings group by entry_id
),

legs as (
    select * from direct_legs
    union all
    select * from position_legs
),

final as (
    select
        legs.entry_id,
        position_changes.entry_kind,
        position_changes.entry_date,
        position_changes.period,
        position_changes.billing_entity_code,
        position_changes.contract_id,
        position_changes.currency,
        legs.account_role,
        case legs.account_role
            when 'cash' then 1
            when 'accounts_receivable' then 2
            when 'unbilled_receivable' then 3
            when 'deferred_revenue' then 4
            when 'tax_payable' then 5
            when 'revenue' then 6
            when 'contra_revenue' then 7
            when 'prepaid_credits' then 8
        end as account_order,
        legs.po_id,
        legs.document_id,
        legs.posting_id as source_id,
        cast(legs.amount_minor as bigint) as amount_minor,
        legs.rate_date,
        legs.account_role in ('revenue', 'contra_revenue') and legs.po_id is not null as is_cumulative_translation,
        position_changes.kind_order,
        position_changes.first_posting_id,
        cast(position_changes.position_before_minor as bigint) as position_before_minor,
        cast(position_changes.position_after_minor as bigint) as position_after_minor,
        coalesce(legs.memo, position_changes.entry_kind || ' ' || coalesce(legs.document_id, legs.posting_id)) as memo,
        entry_origins.period_of_origin
    from legs
    inner join position_changes on legs.entry_id = position_changes.entry_id
    left join entry_origins on legs.entry_id = entry_origins.entry_id
    where legs.amount_minor <> 0
)

select * from final
