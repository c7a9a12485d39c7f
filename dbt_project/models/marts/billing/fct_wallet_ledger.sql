-- One row per movement of a wallet's balance (pricing.md 6): top-ups (paid or granted, with
-- their Lago status: a pending or failed paid top-up is listed on its request date and moves
-- the balance by 0 — its credit invoice is issued, the credits come when it is settled),
-- consumption by invoices, the return of what a voided invoice consumed (on the void's date;
-- the consumption row stays, as the frozen invoice does), and the write-off of what is left when the wallet expires or is
-- terminated (unconfirmed in detail: written off on the closing date, visibly). Amounts in
-- the wallet currency's minor units (exact decimals) and in credits (5 decimals, amount ÷
-- rate_amount), with the running balance. invoice_draw_sequence: the order the customer's
-- wallets paid one invoice in (1 first: priority, then age, pricing.md 5.6).
with wallet_topups as (
    select * from {{ ref('int_billing__wallet_topups') }}
),

-- Consumption of finalized invoices comes from what was frozen with them (assembly of a later
-- run no longer recomputes those invoices), drafts from this run's assembly, so the ledger is
-- the same whichever run wrote the finalized invoices.
frozen_credits as (
    select * from {{ ref('fct_finalized_invoice_credits') }}
    where credit_kind = 'wallet'
),

finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

draft_applications as (
    select * from {{ ref('int_billing__wallet_applications') }}
    where invoice_id not in (select invoice_id from finalized_invoices)
),

wallet_slots as (
    select * from {{ ref('int_billing__wallet_slots') }}
),

wallet_applications as (
    select
        frozen_credits.credit_source_id as lago_wallet_id,
        frozen_credits.invoice_id,
        finalized_invoices.issuing_date,
        frozen_credits.amount_minor as prepaid_credit_amount_minor
    from frozen_credits
    inner join finalized_invoices on frozen_credits.invoice_id = finalized_invoices.invoice_id
    union all
    select lago_wallet_id, invoice_id, issuing_date, prepaid_credit_amount_minor
    from draft_applications
),

-- The frozen rows do not keep the slot; a wallet's slot (priority, then age) never changes.
draws as (
    select
        wallet_applications.*,
        row_number() over (
            partition by wallet_applications.invoice_id
            order by wallet_slots.wallet_slot, wallet_applications.lago_wallet_id
        ) as invoice_draw_sequence
    from wallet_applications
    left join wallet_slots on wallet_applications.lago_wallet_id = wallet_slots.lago_wallet_id
),

-- only finalized invoices can be voided, so what comes back is what was frozen with them
void_returns as (
    select
        frozen_credits.credit_source_id as lago_wallet_id,
        frozen_credits.invoice_id,
        cast(invoice_voids.voided_at as date) as voided_date,
        frozen_credits.amount_minor as prepaid_credit_amount_minor
    from frozen_credits
    inner join {{ ref('fct_invoice_voids') }} as invoice_voids
        on frozen_credits.invoice_id = invoice_voids.invoice_id
        and invoice_voids.is_applied
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

movements as (
    select
        lago_wallet_id,
        lago_wallet_transaction_id as movement_id,
        case when is_paid_top_up then 'paid_top_up' else 'granted_top_up' end as movement_type,
        coalesce(credited_date, requested_date) as movement_date,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        cast(case when is_settled then precise_amount_minor else 0 end as decimal(38, 12)) as amount_minor,
        wallet_transaction_status,
        requested_date,
        cast(precise_amount_minor as decimal(38, 12)) as transaction_amount_minor,
        cast(null as bigint) as invoice_draw_sequence
    from wallet_topups
    union all
    select
        lago_wallet_id,
        invoice_id as movement_id,
        'invoice_consumption' as movement_type,
        issuing_date as movement_date,
        invoice_id,
        cast(-prepaid_credit_amount_minor as decimal(38, 12)) as amount_minor,
        cast(null as {{ dbt.type_string() }}) as wallet_transaction_status,
        cast(null as date) as requested_date,
        cast(null as decimal(38, 12)) as transaction_amount_minor,
        cast(invoice_draw_sequence as bigint) as invoice_draw_sequence
    from draws
    union all
    select
        lago_wallet_id,
        {{ dbt.concat(["'void:'", 'invoice_id']) }} as movement_id,
        'void_return' as movement_type,
        voided_date as movement_date,
        invoice_id,
        cast(prepaid_credit_amount_minor as decimal(38, 12)) as amount_minor,
        cast(null as {{ dbt.type_string() }}) as wallet_transaction_status,
        cast(null as date) as requested_date,
        cast(null as decimal(38, 12)) as transaction_amount_minor,
        cast(null as bigint) as invoice_draw_sequence
    from void_returns
),

with_wallet as (
    select
        movements.*,
        wallet_slots.external_customer_id,
        wallet_slots.currency,
        wallet_slots.rate_amount,
        wallet_slots.closed_on_date,
        currencies.minor_unit_exponent
    from movements
    inner join wallet_slots on movements.lago_wallet_id = wallet_slots.lago_wallet_id
    left join currencies on wallet_slots.currency = currencies.currency
),

-- Top-ups after the wallet closed never reached a balance; everything before closing that
-- was not consumed is written off on the closing date.
open_movements as (
    select * from with_wallet
    where closed_on_date is null or movement_date <= closed_on_date
),

write_offs as (
    select
        lago_wallet_id,
        'write_off' as movement_id,
        'expiry_write_off' as movement_type,
        max(closed_on_date) as movement_date,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        -sum(amount_minor) as amount_minor,
        cast(null as {{ dbt.type_string() }}) as wallet_transaction_status,
        cast(null as date) as requested_date,
        cast(null as decimal(38, 12)) as transaction_amount_minor,
        cast(null as bigint) as invoice_draw_sequence,
        max(external_customer_id) as external_customer_id,
        max(currency) as currency,
        max(rate_amount) as rate_amount,
        max(closed_on_date) as closed_on_date,
        max(minor_unit_exponent) as minor_unit_exponent
    from open_movements
    where closed_on_date is not null
    group by lago_wallet_id
    having sum(amount_minor) > 0
),

all_movements as (
    select * from open_movements
    union all
    select * from write_offs
),

final as (
    select
        lago_wallet_id,
        movement_id,
        movement_type,
        movement_date,
        invoice_id,
        invoice_draw_sequence,
        wallet_transaction_status,
        requested_date,
        external_customer_id,
        currency,
        rate_amount,
        transaction_amount_minor,
        amount_minor,
        cast(round({{ exact_divide('amount_minor', minor_factor('minor_unit_exponent') ~ ' * rate_amount') }}, 5) as decimal(38, 5)) as credit_amount,
        sum(amount_minor) over (
            partition by lago_wallet_id
            order by movement_date, case movement_type when 'expiry_write_off' then 3 when 'void_return' then 2 when 'invoice_consumption' then 1 else 0 end, movement_id
            rows between unbounded preceding and current row
        ) as balance_amount_minor
    from all_movements
)

select * from final
