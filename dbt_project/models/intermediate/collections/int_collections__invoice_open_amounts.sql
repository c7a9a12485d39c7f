-- One row per receivable invoice × period over which its open amount stays the same and above
-- 0 (collections.md 6.1): open at date d = total − Σ settlement movements effective by the end
-- of d, for invoices finalized by d and not voided by it. A period starts on the finalization
-- date or on a later day with a settlement movement and ends (exclusive) at the next such day
-- or the void date; null = open on every later date. The open amount at any date is the row
-- whose period holds it: the month-end aging and `revhouse collections --as-of` both read it.
with invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

settlements as (
    select * from {{ ref('int_collections__invoice_settlements') }}
),

invoice_days as (
    select
        invoices.*,
        cast(invoices.finalized_at as date) as finalized_date,
        cast(invoices.voided_at as date) as voided_date
    from invoices
),

settlement_days as (
    select
        invoice_source,
        invoice_id,
        cast(effective_at as date) as settled_date,
        sum(amount_minor) as amount_minor
    from settlements
    group by invoice_source, invoice_id, cast(effective_at as date)
),

change_dates as (
    select invoice_source, invoice_id, finalized_date as change_date
    from invoice_days
    union
    select settlement_days.invoice_source, settlement_days.invoice_id, settlement_days.settled_date as change_date
    from settlement_days
    inner join invoice_days
        on settlement_days.invoice_source = invoice_days.invoice_source
        and settlement_days.invoice_id = invoice_days.invoice_id
    where settlement_days.settled_date > invoice_days.finalized_date
),

periods as (
    select
        invoice_source,
        invoice_id,
        change_date,
        lead(change_date) over (partition by invoice_source, invoice_id order by change_date) as next_change_date
    from change_dates
),

settled_by_period as (
    select
        periods.invoice_source,
        periods.invoice_id,
        periods.change_date,
        periods.next_change_date,
        sum(settlement_days.amount_minor) as settled_amount_minor
    from periods
    left join settlement_days
        on periods.invoice_source = settlement_days.invoice_source
        and periods.invoice_id = settlement_days.invoice_id
        and settlement_days.settled_date <= periods.change_date
    group by periods.invoice_source, periods.invoice_id, periods.change_date, periods.next_change_date
),

open_periods as (
    select
        invoice_days.*,
        settled_by_period.change_date as open_from_date,
        case
            when invoice_days.voided_date is not null
                and (settled_by_period.next_change_date is null or invoice_days.voided_date < settled_by_period.next_change_date)
                then invoice_days.voided_date
            else settled_by_period.next_change_date
        end as open_until_date,
        invoice_days.total_amount_minor - coalesce(settled_by_period.settled_amount_minor, 0) as open_amount_minor
    from settled_by_period
    inner join invoice_days
        on settled_by_period.invoice_source = invoice_days.invoice_source
        and settled_by_period.invoice_id = invoice_days.invoice_id
    where invoice_days.voided_date is null or settled_by_period.change_date < invoice_days.voided_date
),

final as (
    select
        invoice_source,
        invoice_id,
        invoice_number,
        external_customer_id,
        billing_entity_code,
        currency,
        currency_exponent,
        total_amount_minor,
        payment_due_date,
        open_from_date,
        open_until_date,
        cast(open_amount_minor as bigint) as open_amount_minor
    from open_periods
    where open_amount_minor > 0
)

select * from final
