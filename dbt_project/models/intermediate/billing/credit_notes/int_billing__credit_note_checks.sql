-- Every credit note checked against the limits of pricing.md 7 before anything applies it:
-- refund <= what was paid and not yet refunded; credit <= the invoice's fees total (after
-- coupons, with taxes) not yet credited or offset; offset <= what is still due; the parts and
-- the items (sub-total + taxes) add up to the note within one minor unit. Earlier notes on
-- the same invoice (by date, then id) count against the limits with what they asked for.
-- Paid: an imported Lago invoice says what was paid (payment_status / total_paid /
-- total_due in its payload). A revhouse invoice counts the cash whose payment names it by its
-- invoice id (int_collections__payment_references: metadata lago_invoice_id, a reference equal
-- to the id, lago_payable_id), net of that cash's refunds and chargebacks, in the note's
-- currency, landed by the end of the note's day, between 0 and the invoice total. Cash matched
-- by invoice number, by score or by exact sum is not counted here: those passes need the
-- finalized invoice, its number and its balance, which these notes feed (a cycle), so such a
-- refund is listed as broken with that reason rather than guessed.
-- How a note that breaks a limit is handled (Lago):
--   * termination credits (CreditNotes::CreateFromTermination): the refund or offset part is
--     capped at its limit and the rest is credited to the balance, the credit part capped
--     at its limit; anything left over is not applied and listed;
--   * imported Lago notes and progressive billing excess notes: kept out as a whole (Lago's
--     ValidateService refuses such a note), listed with the limit they break;
--   * an imported note whose Lago invoice is not in the warehouse (typical after a
--     migration) or was landed without amounts: the refund, credit and offset limits need
--     that invoice and cannot be checked, so they are listed as not checkable and the note is
--     applied as Lago issued it (Lago checked it when it made it); what can still be checked
--     is: a customer to credit (the invoice's, else the `customer` object Lago sends with the
--     note) and the parts and items adding up.
with lago_credit_notes as (
    select * from {{ ref('stg_lago__credit_notes') }}
),

billed_invoices as (
    select * from {{ ref('stg_billed__invoices') }}
),

termination_notes as (
    select * from {{ ref('int_billing__credit_note_terminations') }}
),

progressive_excess_notes as (
    select * from {{ ref('int_billing__credit_note_progressive_excess') }}
),

invoice_subtotals as (
    select * from {{ ref('int_billing__invoice_subtotals') }}
),

-- A revhouse invoice frozen by an earlier run keeps its total (macros/invoicing/frozen_state.sql).
frozen_invoices as (
    {{ frozen_rows('fct_finalized_invoices', {'invoice_id': dbt.type_string(), 'total_amount_minor': 'bigint'}) }}
),

lago_invoices as (
    select
        invoice_id,
        external_customer_id,
        billing_entity_code,
        total_amount_minor,
        -- Null when the landed invoice carries no amounts: its limits cannot be checked.
        coalesce(
            {{ dbt.safe_cast(json_get('payload_json', "'sub_total_including_taxes_amount_cents'"), 'bigint') }},
            case
                when fees_amount_minor is not null
                    then fees_amount_minor - coalesce(coupons_amount_minor, 0) + coalesce(taxes_amount_minor, 0)
            end
        ) as creditable_amount_minor,
        case
            when {{ json_get('payload_json', "'payment_status'") }} = 'succeeded' then total_amount_minor
            when {{ json_get('payload_json', "'total_paid_amount_cents'") }} is not null
                then {{ dbt.safe_cast(json_get('payload_json', "'total_paid_amount_cents'"), 'bigint') }}
            when {{ json_get('payload_json', "'total_due_amount_cents'") }} is not null
                then total_amount_minor - {{ dbt.safe_cast(json_get('payload_json', "'total_due_amount_cents'"), 'bigint') }}
        end as paid_amount_minor
    from billed_invoices
    where invoice_source = 'lago'
),

imported as (
    select
        lago_credit_notes.lago_credit_note_id as credit_note_id,
        'lago_import' as credit_note_source,
        lago_credit_notes.credit_note_number as credit_note_number,
        -- Lago's note belongs to the invoice's customer; the note's own `customer` object
        -- (sent when Lago includes it) names them when the invoice is not here.
        coalesce(
            lago_invoices.external_customer_id,
            {{ json_get(json_get('lago_credit_notes.payload_json', "'customer'"), "'external_id'") }}
        ) as external_customer_id,
        coalesce(
            lago_invoices.billing_entity_code,
            {{ json_get('lago_credit_notes.payload_json', "'billing_entity_code'") }},
            {{ json_get(json_get('lago_credit_notes.payload_json', "'customer'"), "'billing_entity_code'") }}
        ) as billing_entity_code,
        upper(lago_credit_notes.currency) as currency,
        lago_credit_notes.reason,
        lago_credit_notes.lago_invoice_id as credited_invoice_id,
        cast(null as {{ dbt.type_string() }}) as credited_fee_id,
        case
            when coalesce(lago_credit_notes.refund_amount_minor, 0) > 0 and coalesce(lago_credit_notes.credit_amount_minor, 0) = 0 and coalesce(lago_credit_notes.offset_amount_minor, 0) = 0 then 'refund'
            when coalesce(lago_credit_notes.offset_amount_minor, 0) > 0 and coalesce(lago_credit_notes.credit_amount_minor, 0) = 0 and coalesce(lago_credit_notes.refund_amount_minor, 0) = 0 then 'offset'
            when coalesce(lago_credit_notes.refund_amount_minor, 0) + coalesce(lago_credit_notes.offset_amount_minor, 0) > 0 then 'mixed'
            else 'credit'
        end as credit_type,
        cast(lago_credit_notes.created_at as date) as available_from_date,
        cast(coalesce(
            {{ dbt.safe_cast(json_get('lago_credit_notes.payload_json', "'sub_total_excluding_taxes_amount_cents'"), 'bigint') }},
            lago_credit_notes.total_amount_minor - coalesce(lago_credit_notes.taxes_amount_minor, 0)
        ) as bigint) as credit_sub_total_amount_minor,
        cast(coalesce(lago_credit_notes.taxes_amount_minor, 0) as bigint) as taxes_amount_minor,
        cast(lago_credit_notes.total_amount_minor as bigint) as total_amount_minor,
        cast(coalesce(lago_credit_notes.credit_amount_minor, 0) as bigint) as requested_credit_amount_minor,
        cast(coalesce(lago_credit_notes.refund_amount_minor, 0) as bigint) as requested_refund_amount_minor,
        cast(coalesce(lago_credit_notes.offset_amount_minor, 0) as bigint) as requested_offset_amount_minor,
        -- Lago already tracks what is left of an imported note's credit.
        cast(coalesce(lago_credit_notes.balance_amount_minor, 0) as bigint) as balance_amount_minor,
        lago_invoices.invoice_id is not null as is_invoice_known,
        lago_invoices.creditable_amount_minor as invoice_creditable_amount_minor,
        lago_invoices.total_amount_minor as invoice_total_amount_minor,
        lago_invoices.paid_amount_minor,
        false as is_termination,
        'imported' as origin
    from lago_credit_notes
    left join lago_invoices on lago_credit_notes.lago_invoice_id = lago_invoices.invoice_id
    -- A voided Lago note was cancelled by Lago: it neither credits nor uses up any limit.
    where coalesce(lago_credit_notes.credit_status, 'available') <> 'voided'
),

{%- set own_columns = credit_note_identity_columns() %}

own_notes as (
    select {{ own_columns | join(', ') }}, true as is_termination, origin from termination_notes
    union all
    select {{ own_columns | join(', ') }}, false as is_termination, 'progressive_billing' as origin from progressive_excess_notes
),

payment_references as (
    select * from {{ ref('int_collections__payment_references') }}
    where reference_group = 'named'
),

money_events as (
    select * from {{ ref('int_collections__money_events') }}
),

-- payments naming one revhouse invoice by its id
id_named_payments as (
    select distinct payment_references.money_event_id, invoice_subtotals.invoice_id
    from payment_references
    inner join invoice_subtotals on payment_references.reference_key = invoice_subtotals.invoice_id
),

-- their cash and what was later taken back or restored, signed
id_named_cash as (
    select
        id_named_payments.invoice_id, money_events.currency, money_events.occurred_at,
        money_events.amount_minor as signed_amount_minor
    from id_named_payments
    inner join money_events on money_events.money_event_id = id_named_payments.money_event_id
    union all
    select
        id_named_payments.invoice_id, money_events.currency, money_events.occurred_at,
        case
            when money_events.kind in ('chargeback_reversal', 'refund_reversal') then money_events.amount_minor
            else -money_events.amount_minor
        end as signed_amount_minor
    from id_named_payments
    inner join money_events on money_events.payment_money_event_id = id_named_payments.money_event_id
),

own_paid as (
    select own_notes.credit_note_id, sum(id_named_cash.signed_amount_minor) as net_cash_minor
    from own_notes
    inner join id_named_cash
        on own_notes.credited_invoice_id = id_named_cash.invoice_id
        and own_notes.currency = id_named_cash.currency
        and id_named_cash.occurred_at < {{ dbt.dateadd('day', 1, 'own_notes.available_from_date') }}
    group by own_notes.credit_note_id
),

own as (
    select
        {% for c in own_columns %}own_notes.{{ c }}, {% endfor %}
        cast(case when own_notes.credit_type = 'credit' then own_notes.total_amount_minor else 0 end as bigint) as requested_credit_amount_minor,
        cast(case when own_notes.credit_type = 'refund' then own_notes.total_amount_minor else 0 end as bigint) as requested_refund_amount_minor,
        cast(case when own_notes.credit_type = 'offset' then own_notes.total_amount_minor else 0 end as bigint) as requested_offset_amount_minor,
        cast(null as bigint) as balance_amount_minor,
        invoice_subtotals.invoice_id is not null as is_invoice_known,
        invoice_subtotals.sub_total_including_taxes_amount_minor as invoice_creditable_amount_minor,
        -- Frozen total when the invoice is finalized; a draft's total is not final yet, so its
        -- sub-total with taxes stands in (it cannot read the credits assembly gives it later
        -- without a cycle).
        coalesce(frozen_invoices.total_amount_minor, invoice_subtotals.sub_total_including_taxes_amount_minor) as invoice_total_amount_minor,
        cast(case
            when own_paid.net_cash_minor is null then null
            when own_paid.net_cash_minor < 0 then 0
            when own_paid.net_cash_minor > coalesce(frozen_invoices.total_amount_minor, invoice_subtotals.sub_total_including_taxes_amount_minor)
                then coalesce(frozen_invoices.total_amount_minor, invoice_subtotals.sub_total_including_taxes_amount_minor)
            else own_paid.net_cash_minor
        end as bigint) as paid_amount_minor,
        own_notes.is_termination,
        own_notes.origin
    from own_notes
    left join invoice_subtotals on own_notes.credited_invoice_id = invoice_subtotals.invoice_id
    left join frozen_invoices on own_notes.credited_invoice_id = frozen_invoices.invoice_id
    left join own_paid on own_notes.credit_note_id = own_paid.credit_note_id
),

all_notes as (
    select * from imported
    union all
    select * from own
),

earlier as (
    select
        all_notes.*,
        coalesce(sum(requested_credit_amount_minor + requested_offset_amount_minor) over (
            partition by credited_invoice_id order by available_from_date, credit_note_id
            rows between unbounded preceding and 1 preceding
        ), 0) as earlier_credited_or_offset_minor,
        coalesce(sum(requested_refund_amount_minor) over (
            partition by credited_invoice_id order by available_from_date, credit_note_id
            rows between unbounded preceding and 1 preceding
        ), 0) as earlier_refunded_minor,
        coalesce(sum(requested_offset_amount_minor) over (
            partition by credited_invoice_id order by available_from_date, credit_note_id
            rows between unbounded preceding and 1 preceding
        ), 0) as earlier_offset_minor
    from all_notes
),

limits as (
    select
        earlier.*,
        invoice_creditable_amount_minor - earlier_credited_or_offset_minor as credit_limit_minor,
        coalesce(paid_amount_minor, 0) - earlier_refunded_minor as refund_limit_minor,
        invoice_total_amount_minor - coalesce(paid_amount_minor, 0) - earlier_offset_minor as offset_limit_minor,
        abs(total_amount_minor - (credit_sub_total_amount_minor + taxes_amount_minor)) <= 1
            and abs(total_amount_minor - (requested_credit_amount_minor + requested_refund_amount_minor + requested_offset_amount_minor)) <= 1
            as is_items_adding_up
    from earlier
),

-- Termination notes: the refund/offset part is capped, the rest moves to credit, capped too.
allowed as (
    select
        limits.*,
        least(requested_refund_amount_minor, greatest(refund_limit_minor, 0)) as capped_refund_minor,
        least(requested_offset_amount_minor, greatest(offset_limit_minor, 0), greatest(credit_limit_minor, 0)) as capped_offset_minor
    from limits
),

decided as (
    select
        allowed.*,
        -- The limits that need the credited invoice are not checkable when it is not here
        -- (or landed without amounts); that is recorded, not held against the note.
        case
            when credit_note_source = 'lago_import' and not is_invoice_known then 'invoice not in warehouse'
            when is_invoice_known and (invoice_creditable_amount_minor is null or invoice_total_amount_minor is null)
                then 'invoice amounts unknown'
        end as not_checkable_because,
        case
            when not is_invoice_known and credit_note_source <> 'lago_import' then 'credited_invoice_unknown'
            when credit_note_source = 'lago_import' and external_customer_id is null then 'customer_unknown'
            when not is_items_adding_up then 'items_add_up'
            when not is_invoice_known or invoice_creditable_amount_minor is null or invoice_total_amount_minor is null then null
            when requested_refund_amount_minor > 0 and requested_refund_amount_minor > refund_limit_minor then 'refund'
            when requested_offset_amount_minor > 0 and requested_offset_amount_minor > offset_limit_minor then 'offset'
            -- An offset also uses up the fees total, so the note's own offset counts.
            when requested_credit_amount_minor + requested_offset_amount_minor > 0
                and requested_credit_amount_minor + requested_offset_amount_minor > credit_limit_minor then 'credit'
        end as broken_limit,
        least(
            requested_credit_amount_minor + (requested_refund_amount_minor - capped_refund_minor) + (requested_offset_amount_minor - capped_offset_minor),
            greatest(credit_limit_minor - capped_offset_minor, 0)
        ) as termination_credit_minor
    from allowed
),

final as (
    select
        {%- for column in credit_note_identity_columns() %}
        {{ column }},
        {%- endfor %}
        requested_credit_amount_minor,
        requested_refund_amount_minor,
        requested_offset_amount_minor,
        invoice_creditable_amount_minor,
        invoice_total_amount_minor,
        paid_amount_minor,
        paid_amount_minor is not null as is_paid_amount_known,
        earlier_credited_or_offset_minor,
        earlier_refunded_minor,
        earlier_offset_minor,
        credit_limit_minor,
        refund_limit_minor,
        offset_limit_minor,
        broken_limit,
        case
            when broken_limit is not null then 'broken'
            when not_checkable_because is not null then 'not_checkable'
            else 'passed'
        end as check_status,
        case when broken_limit is null and not_checkable_because is not null then 'refund, credit, offset' end as unchecked_limits,
        case
            when broken_limit is null and not_checkable_because = 'invoice not in warehouse'
                then 'not checkable: invoice not in warehouse (the refund, credit and offset limits need it); the parts and items add up, so the note is applied as Lago issued it, within the balance Lago left'
            when broken_limit is null and not_checkable_because = 'invoice amounts unknown'
                then 'not checkable: invoice amounts unknown (the credited invoice was landed without them); the parts and items add up, so the note is applied as Lago issued it, within the balance Lago left'
            when broken_limit = 'credited_invoice_unknown' then 'the revhouse invoice this note credits is not in the warehouse, so none of its limits can be checked'
            when broken_limit = 'customer_unknown' then 'neither the credited invoice nor the note names a customer whose balance it could credit'
            when broken_limit = 'items_add_up' then 'the note''s parts (credit + refund + offset) or its items (sub-total + taxes) do not add up to its total within one minor unit'
            when broken_limit = 'refund' then 'the refund is more than what was paid on the invoice and not yet refunded (for a revhouse invoice, paid = cash whose payment names the invoice id, net of its refunds and chargebacks, by the note''s day; cash matched by number or score is not seen here)'
            when broken_limit = 'offset' then 'the offset is more than what is still due on the invoice'
            when broken_limit = 'credit' then 'the credit is more than the invoice''s fees total not yet credited or offset'
        end as exception_reason,
        case
            when broken_limit is null and not_checkable_because is not null then 'applied_unchecked'
            when broken_limit is null then 'applied'
            when broken_limit in ('credited_invoice_unknown', 'customer_unknown', 'items_add_up') or not is_termination then 'kept_out'
            else 'capped'
        end as resolution,
        -- What is applied, in each part.
        cast(case
            when broken_limit is null then requested_credit_amount_minor
            when broken_limit in ('credited_invoice_unknown', 'customer_unknown', 'items_add_up') or not is_termination then 0
            else termination_credit_minor
        end as bigint) as credit_amount_minor,
        cast(case
            when broken_limit is null then requested_refund_amount_minor
            when broken_limit in ('credited_invoice_unknown', 'customer_unknown', 'items_add_up') or not is_termination then 0
            else capped_refund_minor
        end as bigint) as refund_amount_minor,
        cast(case
            when broken_limit is null then requested_offset_amount_minor
            when broken_limit in ('credited_invoice_unknown', 'customer_unknown', 'items_add_up') or not is_termination then 0
            else capped_offset_minor
        end as bigint) as offset_amount_minor,
        balance_amount_minor,
        origin
    from decided
)

select * from final
