{{ config(severity='warn') }}
-- A month whose MRR has no fx rate (no ECB rate on or before its month end for the currency)
-- is left out of every reporting-currency figure (fct_mrr_bridge keeps converted months only,
-- B11). Warn, naming the customer, currency and month, so a missing rate file is seen rather
-- than read as lower MRR.
select external_customer_id, currency, month, closing_mrr_minor
from {{ ref('int_metrics__mrr_customer_months') }}
where closing_mrr_minor > 0
  and fx_rate is null
