-- ARR = 12 × MRR (metrics-and-revrec.md B4) wherever ARR is published. Returns the rows that differ.
select 'fct_mrr' as mart, cast(month as varchar) as month, currency, closing_mrr_minor as mrr_minor, closing_arr_minor as arr_minor
from {{ ref('fct_mrr') }}
where closing_arr_minor <> 12 * closing_mrr_minor
union all
select 'fct_mrr_bridge', cast(month as varchar), currency, closing_mrr_minor, closing_arr_minor
from {{ ref('fct_mrr_bridge') }}
where closing_arr_minor <> 12 * closing_mrr_minor
union all
select 'fct_mrr_arpa_ltv', cast(month as varchar), currency, mrr_minor, arr_minor
from {{ ref('fct_mrr_arpa_ltv') }}
where arr_minor <> 12 * mrr_minor
