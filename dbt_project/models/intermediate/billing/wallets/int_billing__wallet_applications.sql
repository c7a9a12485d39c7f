{#- Prepaid credits (pricing.md 5.6): what each wallet paid on each invoice. Only what is
    still due after credit notes is paid; wallets go by slot (priority, then age); a limited
    wallet pays at most the invoice's matching fees (net of coupons, with their taxes).
    Per wallet the balance is a running quantity like credit notes': consumption cumulated
    C_i = min(C_(i-1) + payable_i, A_i), A_i = credits topped up by invoice i (whole minor
    units) = D_i + min(0, running min of A_j - D_j). Wallet k only needs what wallets
    1..k-1 left on each invoice, so the passes are unrolled, not recursive; more wallets per
    customer than `invoicing_max_wallet_slots` fail assert_wallet_slots_within_limit. -#}
{%- set max_slots = var('invoicing_max_wallet_slots', 4) -%}
with invoice_subtotals as (
    select * from {{ ref('int_billing__invoice_subtotals') }}
),

credit_note_applications as (
    select * from {{ ref('int_billing__credit_note_applications') }}
),

invoice_fee_amounts as (
    select * from {{ ref('int_billing__invoice_fee_amounts') }}
),

wallet_slots as (
    select * from {{ ref('int_billing__wallet_slots') }}
),

wallet_topups as (
    select * from {{ ref('int_billing__wallet_topups') }}
),

-- State frozen by earlier runs (macros/invoicing/frozen_state.sql): finalized invoices keep
-- what wallets paid them; later invoices draw on the rest of each balance.
frozen_invoices as (
    {{ frozen_rows('fct_finalized_invoices', {'invoice_id': dbt.type_string()}) }}
),

frozen_credits as (
    {{ frozen_rows('fct_finalized_invoice_credits', {'invoice_id': dbt.type_string(), 'credit_kind': dbt.type_string(), 'credit_source_id': dbt.type_string(), 'amount_minor': 'bigint'}) }}
),

-- What a voided frozen invoice took goes back to the wallet (Lago's VoidService recredits
-- it); simplification: the balance gets it back as if never taken, not from the void's date.
frozen_wallet_usage as (
    select credit_source_id as lago_wallet_id, sum(amount_minor) as used_amount_minor
    from frozen_credits
    where credit_kind = 'wallet'
      and invoice_id not in (select invoice_id from ({{ frozen_invoice_voids() }}) as voids)
    group by credit_source_id
),

credit_notes_per_invoice as (
    select invoice_id, sum(credit_amount_minor) as credit_notes_amount_minor
    from credit_note_applications
    group by invoice_id
),

due_0 as (
    select
        invoice_subtotals.invoice_id,
        invoice_subtotals.external_customer_id,
        invoice_subtotals.currency,
        invoice_subtotals.issuing_date,
        greatest(
            invoice_subtotals.sub_total_including_taxes_amount_minor - coalesce(credit_notes_per_invoice.credit_notes_amount_minor, 0),
            0
        ) as remaining_amount_minor
    from invoice_subtotals
    left join credit_notes_per_invoice
        on invoice_subtotals.invoice_id = credit_notes_per_invoice.invoice_id
    where invoice_subtotals.external_customer_id in (select external_customer_id from wallet_slots)
      and not exists (select 1 from frozen_invoices where frozen_invoices.invoice_id = invoice_subtotals.invoice_id)
),

invoice_wallets as (
    select
        due_0.invoice_id,
        due_0.currency,
        due_0.issuing_date,
        wallet_slots.lago_wallet_id,
        wallet_slots.wallet_slot,
        wallet_slots.is_limited,
        wallet_slots.applies_to_fee_types,
        wallet_slots.applies_to_billable_metric_codes,
        case
            when wallet_slots.currency <> due_0.currency then 0
            when wallet_slots.active_from_date > due_0.issuing_date then 0
            when wallet_slots.closed_on_date is not null and due_0.issuing_date > wallet_slots.closed_on_date then 0
            when not wallet_slots.is_limited then 1
            else 2
        end as reach_kind
    from due_0
    inner join wallet_slots
        on due_0.external_customer_id = wallet_slots.external_customer_id
),

-- A limited wallet reaches the fees whose Lago fee type or billable metric is in its
-- comma-joined lists (joins, not correlated subqueries, to stay portable).
matching_fees as (
    select
        invoice_wallets.invoice_id,
        invoice_wallets.lago_wallet_id,
        {{ round_minor('sum(invoice_fee_amounts.precise_total_amount_minor)') }} as matching_fees_amount_minor
    from invoice_wallets
    inner join invoice_fee_amounts
        on invoice_wallets.invoice_id = invoice_fee_amounts.invoice_id
        and (
            ',' || replace(coalesce(invoice_wallets.applies_to_fee_types, ''), ' ', '') || ',' like '%,' || invoice_fee_amounts.lago_fee_type || ',%'
            or ',' || replace(coalesce(invoice_wallets.applies_to_billable_metric_codes, ''), ' ', '') || ',' like '%,' || invoice_fee_amounts.billable_metric_code || ',%'
        )
    where invoice_wallets.is_limited
    group by invoice_wallets.invoice_id, invoice_wallets.lago_wallet_id
),

-- Credits that reached the wallet by the invoice's issuing date (settled: a pending or failed
-- top-up is billed but not in the balance), in whole minor units.
balances as (
    select
        invoice_wallets.invoice_id,
        invoice_wallets.lago_wallet_id,
        coalesce({{ dbt.safe_cast('floor(sum(wallet_topups.precise_amount_minor))', 'bigint') }}, 0)
            - coalesce(max(frozen_wallet_usage.used_amount_minor), 0) as topped_up_cumulative_minor
    from invoice_wallets
    left join wallet_topups
        on invoice_wallets.lago_wallet_id = wallet_topups.lago_wallet_id
        and wallet_topups.is_settled
        and wallet_topups.credited_date <= invoice_wallets.issuing_date
    left join frozen_wallet_usage
        on invoice_wallets.lago_wallet_id = frozen_wallet_usage.lago_wallet_id
    group by invoice_wallets.invoice_id, invoice_wallets.lago_wallet_id
),

wallet_reach as (
    select
        invoice_wallets.invoice_id,
        invoice_wallets.lago_wallet_id,
        invoice_wallets.wallet_slot,
        invoice_wallets.reach_kind,
        coalesce(matching_fees.matching_fees_amount_minor, 0) as matching_fees_amount_minor,
        balances.topped_up_cumulative_minor
    from invoice_wallets
    left join matching_fees
        on invoice_wallets.invoice_id = matching_fees.invoice_id
        and invoice_wallets.lago_wallet_id = matching_fees.lago_wallet_id
    inner join balances
        on invoice_wallets.invoice_id = balances.invoice_id
        and invoice_wallets.lago_wallet_id = balances.lago_wallet_id
),

{% for k in range(1, max_slots + 1) %}
payable_{{ k }} as (
    select
        due_{{ k - 1 }}.invoice_id,
        due_{{ k - 1 }}.external_customer_id,
        due_{{ k - 1 }}.currency,
        due_{{ k - 1 }}.issuing_date,
        due_{{ k - 1 }}.remaining_amount_minor,
        wallet_reach.lago_wallet_id,
        coalesce(wallet_reach.topped_up_cumulative_minor, 0) as topped_up_cumulative_minor,
        case
            when wallet_reach.reach_kind = 1 then due_{{ k - 1 }}.remaining_amount_minor
            when wallet_reach.reach_kind = 2 then least(wallet_reach.matching_fees_amount_minor, due_{{ k - 1 }}.remaining_amount_minor)
            else 0
        end as payable_amount_minor
    from due_{{ k - 1 }}
    left join wallet_reach
        on due_{{ k - 1 }}.invoice_id = wallet_reach.invoice_id
        and wallet_reach.wallet_slot = {{ k }}
),

balance_{{ k }} as (
    select
        payable_{{ k }}.*,
        sum(payable_amount_minor) over (
            partition by lago_wallet_id order by issuing_date, invoice_id
            rows between unbounded preceding and current row
        ) as payable_cumulative_minor
    from payable_{{ k }}
),

consumed_{{ k }} as (
    select
        balance_{{ k }}.*,
        payable_cumulative_minor + least(0, min(topped_up_cumulative_minor - payable_cumulative_minor) over (
            partition by lago_wallet_id order by issuing_date, invoice_id
            rows between unbounded preceding and current row
        )) as consumed_cumulative_minor
    from balance_{{ k }}
),

applied_{{ k }} as (
    select
        consumed_{{ k }}.*,
        {{ k }} as wallet_slot,
        case when lago_wallet_id is null then 0 else
            consumed_cumulative_minor - coalesce(lag(consumed_cumulative_minor) over (
                partition by lago_wallet_id order by issuing_date, invoice_id
            ), 0)
        end as prepaid_credit_amount_minor
    from consumed_{{ k }}
),

due_{{ k }} as (
    select
        invoice_id,
        external_customer_id,
        currency,
        issuing_date,
        remaining_amount_minor - prepaid_credit_amount_minor as remaining_amount_minor
    from applied_{{ k }}
),
{% endfor %}

final as (
    {% for k in range(1, max_slots + 1) %}
    select
        applied_{{ k }}.invoice_id,
        applied_{{ k }}.lago_wallet_id,
        applied_{{ k }}.wallet_slot,
        applied_{{ k }}.currency,
        applied_{{ k }}.issuing_date,
        cast(applied_{{ k }}.prepaid_credit_amount_minor as bigint) as prepaid_credit_amount_minor
    from applied_{{ k }}
    where applied_{{ k }}.lago_wallet_id is not null
      and applied_{{ k }}.prepaid_credit_amount_minor > 0
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
