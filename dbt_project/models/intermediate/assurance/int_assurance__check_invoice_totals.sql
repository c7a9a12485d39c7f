-- STUB (issue #15): replaced by the invoice_totals check; the typed empty shape of docs/assurance.md §3
{{ assurance_no_findings() }}
