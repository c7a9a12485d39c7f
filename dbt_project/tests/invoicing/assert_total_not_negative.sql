-- pricing.md 5.7: credit notes and prepaid credits never take an invoice below zero.
select invoice_id, total_amount_minor
from {{ ref('fct_invoices') }}
where total_amount_minor < 0
   or sub_total_excluding_taxes_amount_minor < 0
