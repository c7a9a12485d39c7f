{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_journal_lines'}}}) }}
-- A12: a journal line with no ECB rate on or before its date (for its document or functional
-- currency) keeps fx_rate and its functional amounts null, so its entry and the functional trial
-- balance are incomplete. Warn, naming the line, the date and the currencies, so a missing rate
-- file is seen rather than read as a smaller balance.
select
    lines.entry_id,
    lines.line_number,
    lines.account_role,
    legs.rate_date as missing_rate_date,
    lines.currency,
    lines.functional_currency,
    lines.debit_minor,
    lines.credit_minor
from {{ ref('fct_journal_lines') }} as lines
left join {{ ref('int_revrec__journal_legs') }} as legs
    on lines.entry_id = legs.entry_id
    and lines.account_role = legs.account_role
    and coalesce(lines.source_id, '') = coalesce(legs.source_id, '')
    and coalesce(lines.po_id, '') = coalesce(legs.po_id, '')
where lines.fx_rate is null
    and lines.debit_minor + lines.credit_minor <> 0
