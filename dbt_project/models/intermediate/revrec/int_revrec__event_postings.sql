{#- What each event posts on its own date, before period close (A10 is applied on top by
    int_revrec__postings). Nothing dated after the report date.
    - invoice / credit_note / void: one row per document × contract it bills (A6 nets per
      contract, so a document spanning contracts splits): billed_delta = the contract's share
      (invoice and void: Σ allocated of its POs; credit note: Σ of its int_revrec__po_changes
      rows); the document's excl-tax amount minus Σ shares goes to the largest share (first
      contract id on ties), which also carries the document's tax and total (AR is owed per
      document, not per contract). A document with no PO rows posts one row on the contract of
      its credited invoice's largest share, else external_subscription_id, else itself.
      Credit notes and voids carry negative deltas; documents' amounts are positive. A draft
      (is_finalized false) posts no document row: nothing is billed, taxed or owed until it
      is finalized, when its invoice row posts on its issuing date (A10 re-dates it if that
      period is closed by then); its POs' revenue posts below all the same, so the contract
      position goes negative = unbilled receivable (A4.4, A6).
    - payment / refund / chargeback: cash on an invoice in force (fct_cash_applications:
      applied → payment, refund_reversal → refund, chargeback_reversal and dispute_won_restore →
      chargeback), dated the local date of effective_at in the invoice's billing timezone, on
      the invoice's largest contract; ar_delta = −amount, cash_delta = +amount. Not posted:
      void_release (the cash stays with the customer as a credit balance: AR stays negative,
      A8) and credit_note_settlement (not cash; the credit note already reduced AR).
    - recognition: per PO × month, the target schedule's days of that month up to the report
      date (= R(min(month end, report date)) − R(day before the month), A4.1), dated
      min(month end, report date).
    - catch_up: per PO × change × effective date, the schedule's catch_up rows (A8).
    document_rate_date (A12): documents and cash at their own date; revenue at the invoice date
    of the PO when it was billed on or before the posting (released from deferred revenue),
    else at the posting date (recognised before billing; always for a draft's PO). -#}
with documents as (
    select * from {{ ref('int_revrec__documents') }}
),

performance_obligations as (
    select * from {{ ref('int_revrec__performance_obligations') }}
),

po_changes as (
    select * from {{ ref('int_revrec__po_changes') }}
),

schedule_days as (
    select * from {{ ref('int_revrec__schedule_days') }}
),

cash_applications as (
    select * from {{ ref('fct_cash_applications') }}
),

report_date as (
    select * from {{ ref('int_revrec__report_date') }}
),

invoice_shares as (
    select document_id, contract_id, sum(allocated_amount_minor) as share_minor
    from performance_obligations
    group by document_id, contract_id
),

invoice_main_contracts as (
    select document_id, contract_id
    from (
        select
            document_id,
            contract_id,
            row_number() over (partition by document_id order by share_minor desc, contract_id) as share_rank
        from invoice_shares
    ) as ranked
    where share_rank = 1
),

note_shares as (
    select po_changes.document_id, po_changes.contract_id, sum(po_changes.amount_minor) as share_minor
    from po_changes
    inner join documents
        on po_changes.document_id = documents.document_id
        and documents.document_kind = 'credit_note'
    group by po_changes.document_id, po_changes.contract_id
),

document_events as (
    select
        documents.*,
        documents.document_kind as posting_kind,
        documents.document_date as event_date,
        case when documents.document_kind = 'invoice' then 1 else -1 end as sign
    from documents
    where documents.document_kind in ('invoice', 'credit_note') and documents.is_finalized
    union all
    select
        documents.*,
        'void' as posting_kind,
        documents.voided_on as event_date,
        -1 as sign
    from documents
    where documents.document_kind = 'invoice' and documents.voided_on is not null and documents.is_finalized
),

event_shares as (
    select
        document_events.posting_kind,
        document_events.document_id,
        coalesce(
            event_contract_shares.contract_id,
            related_main.contract_id,
            document_events.external_subscription_id,
            document_events.document_id
        ) as contract_id,
        coalesce(event_contract_shares.share_minor, 0) as share_minor
    from document_events
    left join (
        select 'credit_note' as posting_kind, document_id, contract_id, share_minor from note_shares
        union all
        select 'invoice' as posting_kind, document_id, contract_id, share_minor from invoice_shares
        union all
        select 'void' as posting_kind, document_id, contract_id, share_minor from invoice_shares
    ) as event_contract_shares
        on document_events.posting_kind = event_contract_shares.posting_kind
        and document_events.document_id = event_contract_shares.document_id
    left join invoice_main_contracts as related_main
        on document_events.related_invoice_id = related_main.document_id
),

ranked_shares as (
    select
        event_shares.*,
        row_number() over (
            partition by event_shares.posting_kind, event_shares.document_id
            order by event_shares.share_minor desc, event_shares.contract_id
        ) as share_rank,
        sum(event_shares.share_minor) over (partition by event_shares.posting_kind, event_shares.document_id) as shares_minor
    from event_shares
),

document_postings as (
    select
        document_events.posting_kind || ':' || document_events.document_id || ':' || ranked_shares.contract_id as posting_id,
        document_events.posting_kind,
        ranked_shares.contract_id,
        cast(null as {{ dbt.type_string() }}) as po_id,
        document_events.document_id,
        cast(null as {{ dbt.type_string() }}) as change_id,
        document_events.external_customer_id,
        document_events.billing_entity_code,
        document_events.currency,
        document_events.event_date,
        document_events.sign * (
            ranked_shares.share_minor
            + case when ranked_shares.share_rank = 1 then document_events.excl_tax_amount_minor - ranked_shares.shares_minor else 0 end
        ) as billed_delta_minor,
        cast(0 as bigint) as recognized_delta_minor,
        cast(0 as bigint) as contra_delta_minor,
        case when ranked_shares.share_rank = 1 then document_events.sign * document_events.taxes_amount_minor else 0 end as tax_delta_minor,
        -- AR gets the invoice before credit notes applied to it (they settle AR against AR)
        case
            when ranked_shares.share_rank = 1
                then document_events.sign * (document_events.total_amount_minor + coalesce(document_events.credit_notes_applied_amount_minor, 0))
            else 0
        end as ar_delta_minor,
        document_events.event_date as document_rate_date,
        cast(0 as bigint) as cash_delta_minor,
        case document_events.posting_kind
            when 'invoice' then 'invoice ' || coalesce(document_events.document_number, document_events.document_id)
            when 'void' then 'void of invoice ' || coalesce(document_events.document_number, document_events.document_id)
            else 'credit note ' || coalesce(document_events.document_number, document_events.document_id)
                || coalesce(' on invoice ' || document_events.related_invoice_id, '')
        end as memo,
        document_events.document_id as source_id,
        case when ranked_shares.share_rank = 1 then document_events.sign * coalesce(document_events.prepaid_credit_delta_minor, 0) else 0 end
            as prepaid_credit_delta_minor,
        -- a void is dated when finance recorded it: never late by its recording
        case when document_events.posting_kind <> 'void' then document_events.recorded_at end as recorded_at
    from document_events
    inner join ranked_shares
        on document_events.posting_kind = ranked_shares.posting_kind
        and document_events.document_id = ranked_shares.document_id
),

cash_postings as (
    select
        case cash_applications.movement_kind
            when 'applied' then 'payment'
            when 'refund_reversal' then 'refund'
            else 'chargeback'
        end || ':' || cash_applications.application_id as posting_id,
        case cash_applications.movement_kind
            when 'applied' then 'payment'
            when 'refund_reversal' then 'refund'
            else 'chargeback'
        end as posting_kind,
        coalesce(invoice_main_contracts.contract_id, documents.external_subscription_id, documents.document_id) as contract_id,
        cast(null as {{ dbt.type_string() }}) as po_id,
        documents.document_id,
        cast(null as {{ dbt.type_string() }}) as change_id,
        documents.external_customer_id,
        documents.billing_entity_code,
        documents.currency,
        {{ utc_to_local_date('cash_applications.effective_at', "coalesce(documents.billing_timezone, 'UTC')") }} as event_date,
        cast(0 as bigint) as billed_delta_minor,
        cast(0 as bigint) as recognized_delta_minor,
        cast(0 as bigint) as contra_delta_minor,
        cast(0 as bigint) as tax_delta_minor,
        -cash_applications.amount_minor as ar_delta_minor,
        {{ utc_to_local_date('cash_applications.effective_at', "coalesce(documents.billing_timezone, 'UTC')") }} as document_rate_date,
        cash_applications.amount_minor as cash_delta_minor,
        cash_applications.movement_kind || ' ' || cash_applications.payment_id
            || ' on invoice ' || coalesce(documents.document_number, documents.document_id) as memo,
        cash_applications.money_event_id as source_id,
        cast(0 as bigint) as prepaid_credit_delta_minor,
        cast(null as timestamp) as recorded_at
    from cash_applications
    inner join documents
        on cash_applications.invoice_id = documents.document_id
        and documents.document_kind = 'invoice'
    left join invoice_main_contracts
        on documents.document_id = invoice_main_contracts.document_id
    where cash_applications.movement_kind in ('applied', 'refund_reversal', 'chargeback_reversal', 'dispute_won_restore')
),

-- every schedule row belongs to a PO (H2 builds the schedule from int_revrec__performance_obligations)
served as (
    select
        schedule_days.po_id,
        schedule_days.entry_kind,
        schedule_days.change_id,
        schedule_days.service_date,
        schedule_days.amount_minor,
        performance_obligations.contract_id,
        performance_obligations.document_id,
        performance_obligations.document_number,
        performance_obligations.external_customer_id,
        performance_obligations.billing_entity_code,
        performance_obligations.currency,
        -- a draft bills nothing yet: its revenue is recognised before billing (A12)
        case when performance_obligations.is_finalized then performance_obligations.issuing_date end as issuing_date,
        report_date.report_date
    from schedule_days
    inner join performance_obligations on schedule_days.po_id = performance_obligations.po_id
    cross join report_date
    where schedule_days.service_date <= report_date.report_date
),

recognition_months as (
    select
        po_id, contract_id, document_id, document_number, external_customer_id, billing_entity_code, currency, issuing_date,
        least({{ revrec_month_end('service_date') }}, report_date) as event_date,
        sum(amount_minor) as amount_minor
    from served
    where entry_kind = 'schedule'
    group by
        po_id, contract_id, document_id, document_number, external_customer_id, billing_entity_code, currency, issuing_date,
        least({{ revrec_month_end('service_date') }}, report_date)
),

catch_ups as (
    select
        po_id, change_id, contract_id, document_id, document_number, external_customer_id, billing_entity_code, currency, issuing_date,
        service_date as event_date,
        sum(amount_minor) as amount_minor
    from served
    where entry_kind = 'catch_up'
    group by
        po_id, change_id, contract_id, document_id, document_number, external_customer_id, billing_entity_code, currency, issuing_date,
        service_date
),

revenue_events as (
    select
        'recognition' as posting_kind,
        'recognition:' || po_id || ':' || {{ revrec_period('event_date') }} as posting_id,
        cast(null as {{ dbt.type_string() }}) as change_id,
        'recognition of ' || po_id || ' for ' || {{ revrec_period('event_date') }} as memo,
        document_id as source_id,
        recognition_months.*
    from recognition_months
    where amount_minor <> 0
    union all
    select
        'catch_up' as posting_kind,
        'catch_up:' || po_id || ':' || coalesce(change_id, '') || ':' || cast(event_date as {{ dbt.type_string() }}) as posting_id,
        change_id,
        'cumulative catch-up of ' || po_id || coalesce(' for change ' || change_id, '') as memo,
        coalesce(change_id, document_id) as source_id,
        po_id, contract_id, document_id, document_number, external_customer_id, billing_entity_code, currency, issuing_date,
        event_date, amount_minor
    from catch_ups
    where amount_minor <> 0
),

revenue_postings as (
    select
        posting_id,
        posting_kind,
        contract_id,
        po_id,
        document_id,
        change_id,
        external_customer_id,
        billing_entity_code,
        currency,
        event_date,
        cast(0 as bigint) as billed_delta_minor,
        amount_minor as recognized_delta_minor,
        case when amount_minor < 0 then -amount_minor else 0 end as contra_delta_minor,
        cast(0 as bigint) as tax_delta_minor,
        cast(0 as bigint) as ar_delta_minor,
        coalesce(least(issuing_date, event_date), event_date) as document_rate_date,
        cast(0 as bigint) as cash_delta_minor,
        memo,
        source_id,
        cast(0 as bigint) as prepaid_credit_delta_minor,
        cast(null as timestamp) as recorded_at
    from revenue_events
),

all_postings as (
    select * from document_postings
    union all
    select * from cash_postings
    union all
    select * from revenue_postings
),

final as (
    select
        all_postings.posting_id,
        all_postings.posting_kind,
        all_postings.contract_id,
        all_postings.po_id,
        all_postings.document_id,
        all_postings.change_id,
        all_postings.external_customer_id,
        all_postings.billing_entity_code,
        all_postings.currency,
        all_postings.event_date,
        all_postings.event_date as posting_date,
        {{ revrec_period('all_postings.event_date') }} as posting_period,
        {{ revrec_period('all_postings.event_date') }} as period_of_origin,
        false as is_adjustment,
        cast(all_postings.billed_delta_minor as bigint) as billed_delta_minor,
        cast(all_postings.recognized_delta_minor as bigint) as recognized_delta_minor,
        cast(all_postings.contra_delta_minor as bigint) as contra_delta_minor,
        cast(all_postings.tax_delta_minor as bigint) as tax_delta_minor,
        cast(all_postings.ar_delta_minor as bigint) as ar_delta_minor,
        all_postings.document_rate_date,
        cast(all_postings.cash_delta_minor as bigint) as cash_delta_minor,
        all_postings.memo,
        all_postings.source_id,
        cast(all_postings.prepaid_credit_delta_minor as bigint) as prepaid_credit_delta_minor,
        -- A10: when the fact was recorded (a document's, or for a catch-up its credit note's);
        -- int_revrec__postings posts a fact recorded after its period closed in the first open one
        coalesce(all_postings.recorded_at, change_documents.recorded_at) as recorded_at
    from all_postings
    left join (
        select distinct po_changes.change_id, documents.recorded_at
        from po_changes
        inner join documents on po_changes.document_id = documents.document_id
        where documents.document_kind = 'credit_note'
    ) as change_documents
        on all_postings.posting_kind = 'catch_up'
        and all_postings.change_id = change_documents.change_id
    cross join report_date
    where all_postings.event_date <= report_date.report_date
)

select * from final
