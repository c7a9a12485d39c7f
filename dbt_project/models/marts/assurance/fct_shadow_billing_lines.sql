-- Shadow billing (docs/assurance.md §5): revhouse's rated lines against the incumbent's billed
-- lines, one row per pair or unpaired line, with the difference and whether a known cause
-- explains it. Lines outside the parallel run (a service period before the incumbent's export
-- starts, or a revhouse invoice issued after its last invoice) are listed but not judged.
with matches as (
    select * from {{ ref('int_assurance__shadow_line_matches') }}
),

revhouse_lines as (
    select * from {{ ref('int_assurance__shadow_revhouse_lines') }}
),

incumbent_lines as (
    select * from {{ ref('int_assurance__shadow_incumbent_lines') }}
),

-- the parallel run: service months from the incumbent's first one, invoices issued up to its
-- last issuing date
parallel_run as (
    select
        min(cast({{ dbt.date_trunc('month', 'service_from_date') }} as date)) as first_service_month,
        max(issuing_date) as last_issuing_date
    from incumbent_lines
),

paired as (
    select
        matches.shadow_line_id,
        matches.pairing,
        coalesce(r.external_customer_id, i.external_customer_id) as external_customer_id,
        coalesce(r.external_subscription_id, i.external_subscription_id) as external_subscription_id,
        coalesce(r.currency, i.currency) as currency,
        coalesce(r.charge_key, i.charge_key) as charge_key,
        coalesce(r.plan_code, i.plan_code) as plan_code,
        coalesce(r.service_from_date, i.service_from_date) as service_from_date,
        coalesce(r.service_to_date, i.service_to_date) as service_to_date,
        r.line_id as revhouse_line_id,
        r.invoice_id as revhouse_invoice_id,
        r.invoice_number as revhouse_invoice_number,
        r.issuing_date as revhouse_issuing_date,
        r.is_finalized as revhouse_is_finalized,
        r.units as revhouse_units,
        r.has_comparable_units and i.has_comparable_units as is_units_compared,
        r.amount_minor as revhouse_amount_minor,
        r.tax_amount_minor as revhouse_tax_amount_minor,
        r.invoice_tax_amount_minor as revhouse_invoice_tax_amount_minor,
        i.line_id as incumbent_line_id,
        i.invoice_id as incumbent_invoice_id,
        i.invoice_number as incumbent_invoice_number,
        i.issuing_date as incumbent_issuing_date,
        i.units as incumbent_units,
        i.amount_minor as incumbent_amount_minor,
        i.tax_amount_minor as incumbent_tax_amount_minor,
        i.invoice_tax_amount_minor as incumbent_invoice_tax_amount_minor,
        i.credited_amount_minor as incumbent_credited_amount_minor,
        i.credit_note_numbers as incumbent_credit_note_numbers,
        case
            when r.line_id is null then 'missing_in_revhouse'
            when i.line_id is null then 'missing_in_incumbent'
            when r.amount_minor = i.amount_minor
                -- units at the precision billing exports carry (Lago: 4 decimals)
                and (not (r.has_comparable_units and i.has_comparable_units)
                    or round(r.units, {{ var('shadow_units_decimals', 4) }}) = round(i.units, {{ var('shadow_units_decimals', 4) }}))
                then 'matched'
            else 'differing'
        end as match_status,
        -- an incumbent line is always inside the run it defines
        i.line_id is not null
            or (r.service_from_date >= parallel_run.first_service_month
                and r.issuing_date <= parallel_run.last_issuing_date) as is_in_parallel_run
    from matches
    left join revhouse_lines as r on matches.revhouse_line_id = r.line_id
    left join incumbent_lines as i on matches.incumbent_line_id = i.line_id
    cross join parallel_run
),

-- which invoice of one system holds the lines of which invoices of the other
invoice_links as (
    select distinct
        revhouse_invoice_id, incumbent_invoice_id,
        revhouse_invoice_tax_amount_minor, incumbent_invoice_tax_amount_minor
    from paired
    where revhouse_invoice_id is not null and incumbent_invoice_id is not null
),
{%- for one, other in [('revhouse', 'incumbent'), ('incumbent', 'revhouse')] %}

-- a {{ one }} invoice whose lines the {{ other }} split over several invoices, each taxed and
-- rounded on its own: every line on it and on its parts matched, the parts holding nothing
-- else, and its tax within one minor unit per split of the parts' taxes
{{ one }}_splits as (
    select
        invoice_links.{{ one }}_invoice_id as invoice_id,
        count(*) as parts,
        max(invoice_links.{{ one }}_invoice_tax_amount_minor) as tax_amount_minor,
        sum(invoice_links.{{ other }}_invoice_tax_amount_minor) as parts_tax_amount_minor
    from invoice_links
    group by invoice_links.{{ one }}_invoice_id
    having count(*) > 1
),

{{ one }}_tax_rounding_splits as (
    select splits.invoice_id
    from {{ one }}_splits as splits
    where splits.tax_amount_minor <> splits.parts_tax_amount_minor
        and abs(splits.tax_amount_minor - splits.parts_tax_amount_minor) <= splits.parts - 1
        and not exists (
            select 1 from paired
            where paired.{{ one }}_invoice_id = splits.invoice_id and paired.match_status <> 'matched'
        )
        and not exists (
            select 1
            from paired
            inner join invoice_links on paired.{{ other }}_invoice_id = invoice_links.{{ other }}_invoice_id
            where invoice_links.{{ one }}_invoice_id = splits.invoice_id
                and (paired.match_status <> 'matched' or paired.{{ one }}_invoice_id <> splits.invoice_id)
        )
),
{%- endfor %}

explained as (
    select
        paired.*,
        case
            when not is_in_parallel_run then null
            -- same amount on an invoice of another day (e.g. an upgrade's closing fees billed on
            -- the upgrade day by one system and on the month-end invoice by the other)
            when match_status = 'matched' and revhouse_issuing_date <> incumbent_issuing_date then 'timing'
            -- same amounts excl. tax, one system's invoice split in several by the other: the
            -- invoice tax, rounded once per invoice, differs by up to a minor unit per split
            when match_status = 'matched'
                and (revhouse_invoice_id in (select invoice_id from revhouse_tax_rounding_splits)
                    or incumbent_invoice_id in (select invoice_id from incumbent_tax_rounding_splits))
                then 'tax_rounding_split_invoice'
            -- the incumbent's credit notes credited exactly the difference on that line
            when match_status in ('differing', 'missing_in_revhouse')
                and incumbent_credited_amount_minor <> 0
                and incumbent_amount_minor - incumbent_credited_amount_minor = coalesce(revhouse_amount_minor, 0)
                then 'credit_note'
        end as explanation
    from paired
),

final as (
    select
        shadow_line_id,
        match_status,
        explanation,
        case
            when not is_in_parallel_run then cast(null as {{ dbt.type_boolean() }})
            when explanation is not null then true
            -- matched to the cent excl. tax: nothing to explain (a tax difference is shown in
            -- tax_difference_minor; the lines are compared excl. tax)
            when match_status = 'matched' then true
            else false
        end as is_explained,
        is_in_parallel_run,
        external_customer_id,
        external_subscription_id,
        currency,
        charge_key,
        plan_code,
        service_from_date,
        service_to_date,
        cast({{ dbt.date_trunc('month', 'service_from_date') }} as date) as service_month,
        revhouse_line_id,
        revhouse_invoice_id,
        revhouse_invoice_number,
        revhouse_issuing_date,
        revhouse_is_finalized,
        revhouse_units,
        revhouse_amount_minor,
        revhouse_tax_amount_minor,
        revhouse_invoice_tax_amount_minor,
        incumbent_line_id,
        incumbent_invoice_id,
        incumbent_invoice_number,
        incumbent_issuing_date,
        incumbent_units,
        incumbent_amount_minor,
        incumbent_tax_amount_minor,
        incumbent_invoice_tax_amount_minor,
        incumbent_credited_amount_minor,
        incumbent_credit_note_numbers,
        coalesce(is_units_compared, false) as is_units_compared,
        case when is_units_compared then revhouse_units - incumbent_units end as units_difference,
        cast(coalesce(revhouse_amount_minor, 0) - coalesce(incumbent_amount_minor, 0) as {{ dbt.type_bigint() }})
            as amount_difference_minor,
        cast(revhouse_tax_amount_minor - incumbent_tax_amount_minor as {{ dbt.type_bigint() }}) as tax_difference_minor,
        pairing
    from explained
)

select * from final
