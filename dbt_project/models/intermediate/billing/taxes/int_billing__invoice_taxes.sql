-- One row per invoice × tax (pricing.md 5.4). The invoice's tax is rounded once:
-- round(Σ over taxes of base × rate ÷ 100). The per-tax lines shown on the invoice are each
-- rounded, and the tax line with the largest unrounded amount absorbs the (at most a few
-- minor units) difference so the lines add up to the invoice's tax (our choice; Lago rounds
-- lines independently).
with tax_fee_lines as (
    select * from {{ ref('int_billing__tax_fee_lines') }}
),

per_tax as (
    select
        invoice_id,
        tax_code,
        tax_rate,
        sum(precise_taxable_base_minor) as precise_taxable_base_minor,
        sum(precise_tax_amount_minor) as precise_tax_amount_minor
    from tax_fee_lines
    group by invoice_id, tax_code, tax_rate
),

with_invoice_total as (
    select
        per_tax.*,
        {{ round_minor('sum(precise_tax_amount_minor) over (partition by invoice_id)') }} as invoice_taxes_amount_minor,
        sum({{ round_minor('precise_tax_amount_minor') }}) over (partition by invoice_id) as sum_of_rounded_lines_minor,
        row_number() over (partition by invoice_id order by precise_tax_amount_minor desc, tax_code) as line_rank
    from per_tax
),

final as (
    select
        invoice_id,
        tax_code,
        tax_rate,
        {{ round_minor('precise_taxable_base_minor') }} as taxable_base_amount_minor,
        precise_taxable_base_minor,
        precise_tax_amount_minor,
        cast({{ round_minor('precise_tax_amount_minor') }}
            + case when line_rank = 1 then invoice_taxes_amount_minor - sum_of_rounded_lines_minor else 0 end
            as bigint) as tax_amount_minor,
        invoice_taxes_amount_minor
    from with_invoice_total
)

select * from final
