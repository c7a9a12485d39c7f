-- The revenue documents in force (metrics-and-revrec.md A1, A2, A4.4, A6, A8): every invoice
-- collections holds as receivable (the cutover rule by issuing date), revhouse's drafts that
-- the same rule puts in force once finalized (is_finalized false: they earn revenue up to the
-- report date but post nothing until finalized), and every credit note crediting a finalized
-- one. Amounts are positive whatever the kind; excl_tax is what revenue may come from, total
-- what AR gets, customer_credit the rest (wallet credits bought or used, notes applied).
with receivable_invoices as (
    select * from {{ ref('int_collections__receivable_invoices') }}
),

-- a draft keeps its invoice_id (rating's invoice_group_key) and its fees their fee_id when
-- it is finalized, so its POs keep their ids
draft_invoices as (
    select * from {{ ref('fct_draft_invoices') }}
    where {{ own_invoice_in_force('issuing_date') }}
),

draft_fees as (
    select * from {{ ref('fct_invoice_fees') }}
    where invoice_status = 'draft'
),

-- A4.4: rated, not yet on any invoice (int_revrec__pending_fees): accrued as pending invoices
pending_fees as (
    select * from {{ ref('int_revrec__pending_fees') }}
),

pending_invoices as (
    select
        invoice_group_key as invoice_id,
        max(external_customer_id) as external_customer_id,
        max(billing_entity_code) as billing_entity_code,
        max(currency) as currency,
        max(issuing_date) as issuing_date,
        sum(amount_minor) as sub_total_excluding_taxes_amount_minor
    from pending_fees
    group by invoice_group_key
),

finalized_invoices as (
    select * from {{ ref('fct_finalized_invoices') }}
),

finalized_fees as (
    select * from {{ ref('fct_finalized_invoice_fees') }}
),

billed_invoices as (
    select * from {{ ref('stg_billed__invoices') }}
),

billed_lines as (
    select * from {{ ref('stg_billed__invoice_lines') }}
),

own_credit_notes as (
    select * from {{ ref('int_billing__credit_notes') }}
),

billed_credit_notes as (
    select * from {{ ref('stg_billed__credit_notes') }}
),

lago_notes as (
    select lago_credit_note_id, created_at from {{ ref('stg_lago__credit_notes') }}
),

customers as (
    select * from {{ ref('stg_lago__customers') }}
),

entities as (
    select * from {{ ref('stg_reference__billing_entities') }}
),

currencies as (
    select * from {{ ref('iso_4217_currencies') }}
),

-- revhouse's invoices in force: finalized (receivable) or draft
own_headers as (
    select invoice_id, sub_total_excluding_taxes_amount_minor, taxes_amount_minor, credit_notes_amount_minor
    from finalized_invoices
    union all
    select invoice_id, sub_total_excluding_taxes_amount_minor, taxes_amount_minor, credit_notes_amount_minor
    from draft_invoices
    union all
    select invoice_id, sub_total_excluding_taxes_amount_minor, cast(0 as bigint), cast(0 as bigint)
    from pending_invoices
),

own_fees as (
    select invoice_id, external_subscription_id from finalized_fees
    union all
    select invoice_id, external_subscription_id from draft_fees
    union all
    select invoice_group_key, external_subscription_id from pending_fees
),

-- one subscription per invoice when all its fees share it (null otherwise)
own_invoice_subscriptions as (
    select
        invoice_id,
        max(external_subscription_id) as external_subscription_id
    from own_fees
    group by invoice_id
    having count(distinct external_subscription_id) = 1
),

invoices_in_force as (
    select
        invoice_source, invoice_id, invoice_number, invoice_type, external_customer_id,
        billing_entity_code, currency, issuing_date, total_amount_minor, voided_at,
        true as is_finalized,
        finalized_at as recorded_at
    from receivable_invoices
    union all
    select
        'revhouse' as invoice_source, invoice_id, invoice_number, invoice_type, external_customer_id,
        billing_entity_code, currency, issuing_date, total_amount_minor,
        cast(null as timestamp) as voided_at,
        false as is_finalized,
        cast(null as timestamp) as recorded_at
    from draft_invoices
    union all
    select
        'revhouse' as invoice_source, invoice_id, cast(null as {{ dbt.type_string() }}) as invoice_number,
        'subscription' as invoice_type, external_customer_id, billing_entity_code, currency, issuing_date,
        sub_total_excluding_taxes_amount_minor as total_amount_minor,
        cast(null as timestamp) as voided_at,
        false as is_finalized,
        cast(null as timestamp) as recorded_at
    from pending_invoices
),

-- A2: the imported revenue lines (a `credit` line is a coupon, or the prepaid credits a wallet
-- top-up invoice sells: neither is a performance obligation)
billed_revenue as (
    select invoice_id, sum(amount_minor) as lines_amount_minor
    from billed_lines
    where fee_type <> 'credit'
    group by invoice_id
),

invoice_amounts as (
    select
        invoices_in_force.invoice_source,
        invoices_in_force.invoice_id,
        case
            when invoices_in_force.invoice_source = 'revhouse' then own_invoice_subscriptions.external_subscription_id
            else billed_invoices.external_subscription_id
        end as external_subscription_id,
        case
            -- a wallet top-up sells prepaid credits: an advance, not revenue (A2)
            when invoices_in_force.invoice_type = 'credit' then 0
            when invoices_in_force.invoice_source = 'revhouse' then own_headers.sub_total_excluding_taxes_amount_minor
            else coalesce(billed_revenue.lines_amount_minor, 0) - coalesce(billed_invoices.coupons_amount_minor, 0)
        end as excl_tax_amount_minor,
        case
            when invoices_in_force.invoice_source = 'revhouse' then own_headers.taxes_amount_minor
            else billed_invoices.taxes_amount_minor
        end as taxes_amount_minor,
        -- earlier credit notes' credit that paid part of this invoice (AR against AR)
        case
            when invoices_in_force.invoice_source = 'revhouse' then own_headers.credit_notes_amount_minor
            else billed_invoices.credit_notes_amount_minor
        end as credit_notes_applied_amount_minor
    from invoices_in_force
    left join own_headers
        on invoices_in_force.invoice_source = 'revhouse'
        and invoices_in_force.invoice_id = own_headers.invoice_id
    left join own_invoice_subscriptions
        on invoices_in_force.invoice_source = 'revhouse'
        and invoices_in_force.invoice_id = own_invoice_subscriptions.invoice_id
    left join billed_invoices
        on invoices_in_force.invoice_source <> 'revhouse'
        and invoices_in_force.invoice_id = billed_invoices.invoice_id
    left join billed_revenue
        on invoices_in_force.invoice_source <> 'revhouse'
        and invoices_in_force.invoice_id = billed_revenue.invoice_id
),

invoices as (
    select
        invoices_in_force.invoice_id as document_id,
        'invoice' as document_kind,
        invoices_in_force.invoice_source as document_source,
        invoices_in_force.invoice_number as document_number,
        cast(null as {{ dbt.type_string() }}) as related_invoice_id,
        invoices_in_force.external_customer_id,
        invoice_amounts.external_subscription_id,
        invoices_in_force.billing_entity_code,
        invoices_in_force.currency,
        invoices_in_force.issuing_date as document_date,
        cast(coalesce(invoice_amounts.excl_tax_amount_minor, 0) as bigint) as excl_tax_amount_minor,
        cast(coalesce(invoice_amounts.taxes_amount_minor, 0) as bigint) as taxes_amount_minor,
        invoices_in_force.total_amount_minor,
        invoices_in_force.voided_at,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(coalesce(invoice_amounts.credit_notes_applied_amount_minor, 0) as bigint) as credit_notes_applied_amount_minor,
        invoices_in_force.is_finalized,
        invoices_in_force.recorded_at
    from invoices_in_force
    inner join invoice_amounts
        on invoices_in_force.invoice_source = invoice_amounts.invoice_source
        and invoices_in_force.invoice_id = invoice_amounts.invoice_id
),

-- revhouse's own notes and Lago's (catalog export): those the checks did not keep out
own_notes as (
    select
        own_credit_notes.credit_note_id as document_id,
        case when own_credit_notes.credit_note_source = 'lago_import' then 'lago' else 'revhouse' end as document_source,
        own_credit_notes.credit_note_number as document_number,
        own_credit_notes.credited_invoice_id as related_invoice_id,
        own_credit_notes.external_customer_id,
        own_credit_notes.available_from_date as document_date,
        own_credit_notes.credit_sub_total_amount_minor as excl_tax_amount_minor,
        own_credit_notes.taxes_amount_minor,
        own_credit_notes.total_amount_minor,
        own_credit_notes.reason,
        -- when Lago created the note (revhouse's own notes: the day they are available from)
        coalesce(lago_notes.created_at, cast(own_credit_notes.available_from_date as timestamp)) as recorded_at
    from own_credit_notes
    left join lago_notes on own_credit_notes.credit_note_id = lago_notes.lago_credit_note_id
    where own_credit_notes.resolution <> 'kept_out'
),

-- the incumbent's notes landed under billed/ that the catalog export did not already bring
imported_notes as (
    select
        billed_credit_notes.credit_note_id as document_id,
        billed_credit_notes.invoice_source as document_source,
        billed_credit_notes.credit_note_number as document_number,
        billed_credit_notes.invoice_id as related_invoice_id,
        cast(null as {{ dbt.type_string() }}) as external_customer_id,
        billed_credit_notes.issuing_date as document_date,
        billed_credit_notes.total_amount_minor - coalesce(billed_credit_notes.taxes_amount_minor, 0) as excl_tax_amount_minor,
        coalesce(billed_credit_notes.taxes_amount_minor, 0) as taxes_amount_minor,
        billed_credit_notes.total_amount_minor,
        billed_credit_notes.reason,
        coalesce(billed_credit_notes.created_at, cast(billed_credit_notes.issuing_date as timestamp)) as recorded_at
    from billed_credit_notes
    where coalesce(billed_credit_notes.status, '') not in ('voided', 'void')
        and not exists (
            select 1 from own_notes where own_notes.document_id = billed_credit_notes.credit_note_id
        )
),

credit_notes as (
    select
        notes.document_id,
        'credit_note' as document_kind,
        notes.document_source,
        notes.document_number,
        notes.related_invoice_id,
        coalesce(notes.external_customer_id, invoices.external_customer_id) as external_customer_id,
        invoices.external_subscription_id,
        invoices.billing_entity_code,
        invoices.currency,
        notes.document_date,
        cast(notes.excl_tax_amount_minor as bigint) as excl_tax_amount_minor,
        cast(notes.taxes_amount_minor as bigint) as taxes_amount_minor,
        cast(notes.total_amount_minor as bigint) as total_amount_minor,
        cast(null as timestamp) as voided_at,
        notes.reason,
        cast(0 as bigint) as credit_notes_applied_amount_minor,
        true as is_finalized,
        notes.recorded_at
    from (
        select * from own_notes
        union all
        select * from imported_notes
    ) as notes
    -- only notes crediting an invoice in force: the others credit a shadow document (a draft
    -- is never credited: nothing is owed on it yet)
    inner join invoices on notes.related_invoice_id = invoices.document_id and invoices.is_finalized
),

documents as (
    select * from invoices
    union all
    select * from credit_notes
),

final as (
    select
        documents.document_id,
        documents.document_kind,
        documents.document_source,
        documents.document_number,
        documents.related_invoice_id,
        documents.external_customer_id,
        documents.external_subscription_id,
        documents.billing_entity_code,
        documents.currency,
        cast(currencies.minor_unit_exponent as bigint) as currency_exponent,
        -- A5: the customer's timezone, else the entity's, else UTC
        coalesce(customers.timezone, entities.timezone, 'UTC') as billing_timezone,
        documents.document_date,
        documents.excl_tax_amount_minor,
        documents.taxes_amount_minor,
        documents.total_amount_minor,
        case
            when documents.voided_at is not null
                then {{ utc_to_local_date('documents.voided_at', "coalesce(customers.timezone, entities.timezone, 'UTC')") }}
        end as voided_on,
        -- what AR gets beyond revenue and tax: + prepaid credits sold, − wallet credits and
        -- credit notes that paid part of the invoice (a liability to the customer, never revenue)
        documents.total_amount_minor - documents.excl_tax_amount_minor - documents.taxes_amount_minor
            as customer_credit_amount_minor,
        documents.reason,
        documents.credit_notes_applied_amount_minor,
        -- A2: the prepaid-credit liability's change: + credits sold (a top-up invoice), − wallet
        -- credits that paid part of the invoice; credit notes applied stay in AR
        documents.total_amount_minor + documents.credit_notes_applied_amount_minor
            - documents.excl_tax_amount_minor - documents.taxes_amount_minor as prepaid_credit_delta_minor,
        -- false for a draft: it earns revenue up to the report date (unbilled receivable, A6)
        -- and posts no invoice (billed, tax, AR) until it is finalized
        documents.is_finalized,
        -- A10: when the document entered its system (invoice finalized, credit note created); a
        -- document recorded after its period closed posts in the first open period
        documents.recorded_at
    from documents
    left join customers on documents.external_customer_id = customers.external_customer_id
    left join entities on documents.billing_entity_code = entities.billing_entity_code
    left join currencies on documents.currency = currencies.currency
)

select * from final
