"""DDL of the raw layer: the contract between ingestion (Python) and dbt staging (SQL).

Every raw table is append-only and carries five lineage columns (`_source_file`,
`_file_sha256`, `_row_number`, `_ingested_at`, and `_record_json`: the file record as the source
sent it, as JSON text — a CSV row as header -> cell text — so a field the mapping does not read
is never lost; it is on the record's first row only, child rows share its file and row number). Values are kept as the source sent them,
typed only where the type is unambiguous; money stays in the source's own unit and is
converted to minor units in dbt staging (or here, where a parser must decide it, named
`*_minor`). Nested arrays of catalog objects are flattened into child tables so the dbt
project never needs adapter-specific JSON array functions; remaining free-form maps are
kept as JSON text (`*_json`) and read with the `json_get` macro.
"""

from __future__ import annotations

LINEAGE = [
    ("_source_file", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("_ingested_at", "TIMESTAMP"),
    ("_record_json", "VARCHAR"),
]

# The version and lineage columns of the Salesforce objects added after the first seven (whose
# tables keep their own column order): deleted flag, SystemModstamp, the Fivetran sync columns.
_SF_VERSION_COLUMNS = [
    ("is_deleted", "BOOLEAN"),
    ("system_modstamp", "TIMESTAMP"),
    ("synced_at", "TIMESTAMP"),  # Fivetran _fivetran_synced (null for API exports)
    ("is_fivetran_active", "BOOLEAN"),  # Fivetran _fivetran_active (null for API exports)
]
_SF_RECORD_TAIL = [
    *_SF_VERSION_COLUMNS,
    ("custom_fields_json", "VARCHAR"),  # every *__c field, keyed by lower-cased API name
]

# name -> list of (column, type); lineage columns are appended to every table except the
# bookkeeping ones listed in NO_LINEAGE.
TABLES: dict[str, list[tuple[str, str]]] = {
    # ---- bookkeeping -------------------------------------------------------------------
    "landing_files": [
        ("source", "VARCHAR"),
        ("entity", "VARCHAR"),
        ("file_path", "VARCHAR"),  # relative to the landing root
        ("file_sha256", "VARCHAR"),
        ("file_bytes", "BIGINT"),
        # rows_* count the file's records (a CSV row, a JSON Lines line, an element of a JSON
        # array): rows_read = rows_loaded + rows_duplicate + rows_quarantined, comparable with the
        # file. A record quarantined in part (one bad rate of an ECB row) counts as quarantined.
        ("rows_read", "BIGINT"),
        ("rows_loaded", "BIGINT"),
        ("rows_duplicate", "BIGINT"),
        ("rows_quarantined", "BIGINT"),
        # raw-table rows written beyond one per loaded record: child rows (a plan's charges, an
        # invoice's lines), further currency cells of an ECB row, rows of partly quarantined
        # records; rows_loaded + child_rows_loaded = the file's rows across its raw tables
        ("child_rows_loaded", "BIGINT"),
        ("status", "VARCHAR"),  # loaded | failed
        ("error", "VARCHAR"),
        ("loaded_at", "TIMESTAMP"),
    ],
    "quarantine": [
        ("source", "VARCHAR"),
        ("entity", "VARCHAR"),
        ("file_path", "VARCHAR"),
        ("file_sha256", "VARCHAR"),
        ("row_number", "BIGINT"),  # 0 = the whole file
        ("field", "VARCHAR"),
        ("value", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("raw_text", "VARCHAR"),
        ("quarantined_at", "TIMESTAMP"),
    ],
    "duplicates": [
        ("source", "VARCHAR"),
        ("entity", "VARCHAR"),
        ("natural_key", "VARCHAR"),
        ("file_path", "VARCHAR"),
        ("file_sha256", "VARCHAR"),
        ("row_number", "BIGINT"),
        ("first_file_path", "VARCHAR"),
        ("detected_at", "TIMESTAMP"),
        ("table_name", "VARCHAR"),  # raw table the row was meant for
        ("version_at", "TIMESTAMP"),  # the duplicate's version (versioned objects), else null
    ],
    "loaded_keys": [
        # natural keys already loaded per source and table, so a later file (or a changed
        # version of the same file) is deduplicated without scanning every raw table; usage
        # events dedup on raw.usage_events.event_key instead (too many to copy)
        ("source", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("natural_key", "VARCHAR"),
        ("version_at", "TIMESTAMP"),  # null for objects that are not versioned
        ("file_path", "VARCHAR"),
        ("file_sha256", "VARCHAR"),
        ("row_number", "BIGINT"),
        ("loaded_at", "TIMESTAMP"),
    ],
    # ---- usage -------------------------------------------------------------------------
    "usage_events": [
        ("event_key", "VARCHAR"),  # lago|<external_subscription_id>|<transaction_id> or ce|<source>|<id>
        ("event_format", "VARCHAR"),  # lago | cloudevents
        ("transaction_id", "VARCHAR"),
        ("external_subscription_id", "VARCHAR"),
        ("external_customer_id", "VARCHAR"),
        ("code", "VARCHAR"),
        ("event_at", "TIMESTAMP"),  # UTC
        ("event_date", "DATE"),  # UTC date of event_at (partition key)
        ("properties_json", "VARCHAR"),
        ("precise_total_amount_cents", "DECIMAL(38,12)"),
        ("ce_source", "VARCHAR"),
        ("ce_type", "VARCHAR"),
    ],
    # ---- catalog (Lago API objects) ------------------------------------------------------
    "lago_billable_metrics": [
        ("lago_id", "VARCHAR"),
        ("code", "VARCHAR"),
        ("name", "VARCHAR"),
        ("aggregation_type", "VARCHAR"),
        ("field_name", "VARCHAR"),
        ("recurring", "BOOLEAN"),
        ("weighted_interval", "VARCHAR"),
        ("rounding_function", "VARCHAR"),
        ("rounding_precision", "INTEGER"),
        ("expression", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("payload_json", "VARCHAR"),
    ],
    "lago_billable_metric_filters": [
        ("billable_metric_code", "VARCHAR"),
        ("filter_key", "VARCHAR"),
        ("filter_value", "VARCHAR"),  # one row per allowed value
    ],
    "lago_plans": [
        ("lago_id", "VARCHAR"),
        ("code", "VARCHAR"),
        ("name", "VARCHAR"),
        ("invoice_display_name", "VARCHAR"),
        ("interval", "VARCHAR"),
        ("amount_cents", "BIGINT"),
        ("amount_currency", "VARCHAR"),
        ("pay_in_advance", "BOOLEAN"),
        ("bill_charges_monthly", "BOOLEAN"),
        ("trial_period", "DECIMAL(18,6)"),
        ("minimum_commitment_amount_cents", "BIGINT"),
        ("minimum_commitment_invoice_display_name", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("payload_json", "VARCHAR"),
    ],
    "lago_plan_taxes": [("plan_code", "VARCHAR"), ("tax_code", "VARCHAR"), ("tax_rate", "DECIMAL(18,6)")],
    "lago_plan_usage_thresholds": [
        ("plan_code", "VARCHAR"),
        ("lago_id", "VARCHAR"),
        ("amount_cents", "BIGINT"),
        ("recurring", "BOOLEAN"),
        ("threshold_display_name", "VARCHAR"),
    ],
    "lago_charges": [
        ("lago_id", "VARCHAR"),
        ("plan_code", "VARCHAR"),
        ("billable_metric_code", "VARCHAR"),
        ("charge_model", "VARCHAR"),
        ("pay_in_advance", "BOOLEAN"),
        ("invoiceable", "BOOLEAN"),
        ("prorated", "BOOLEAN"),
        ("min_amount_cents", "BIGINT"),
        ("invoice_display_name", "VARCHAR"),
        ("amount_currency", "VARCHAR"),
        ("properties_json", "VARCHAR"),  # the charge's default properties, ranges included
        ("pricing_group_keys", "VARCHAR"),  # comma-joined, null when none
        ("created_at", "TIMESTAMP"),
    ],
    "lago_charge_filters": [
        ("charge_lago_id", "VARCHAR"),
        ("filter_index", "INTEGER"),  # 1-based position in charge.filters
        ("invoice_display_name", "VARCHAR"),
        ("properties_json", "VARCHAR"),
    ],
    "lago_charge_filter_values": [
        ("charge_lago_id", "VARCHAR"),
        ("filter_index", "INTEGER"),
        ("filter_key", "VARCHAR"),
        ("filter_value", "VARCHAR"),  # one row per value; '__ALL_FILTER_VALUES__' as Lago sends it
    ],
    "lago_charge_ranges": [
        ("charge_lago_id", "VARCHAR"),
        ("filter_index", "INTEGER"),  # 0 = the charge's default properties
        ("range_kind", "VARCHAR"),  # graduated_ranges | volume_ranges | graduated_percentage_ranges
        ("range_index", "INTEGER"),  # 1-based
        ("from_value", "DECIMAL(38,12)"),
        ("to_value", "DECIMAL(38,12)"),  # null = no upper bound
        ("per_unit_amount", "VARCHAR"),  # decimal string, major units
        ("flat_amount", "VARCHAR"),
        ("rate", "VARCHAR"),
    ],
    "lago_charge_taxes": [
        ("charge_lago_id", "VARCHAR"),
        ("tax_code", "VARCHAR"),
        ("tax_rate", "DECIMAL(18,6)"),
    ],
    "lago_taxes": [
        ("lago_id", "VARCHAR"),
        ("code", "VARCHAR"),
        ("name", "VARCHAR"),
        ("rate", "DECIMAL(18,6)"),
        ("applied_to_organization", "BOOLEAN"),
        ("created_at", "TIMESTAMP"),
    ],
    "lago_customers": [
        ("lago_id", "VARCHAR"),
        ("external_id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("legal_name", "VARCHAR"),
        ("email", "VARCHAR"),
        ("country", "VARCHAR"),
        ("currency", "VARCHAR"),
        ("timezone", "VARCHAR"),
        ("billing_entity_code", "VARCHAR"),
        ("invoice_grace_period", "INTEGER"),
        ("net_payment_term", "INTEGER"),  # days >= 0; null = the billing entity's (0 is a value)
        ("payment_provider", "VARCHAR"),
        ("provider_customer_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("payload_json", "VARCHAR"),
        ("applied_dunning_campaign_code", "VARCHAR"),  # null = the billing entity's default
        ("exclude_from_dunning_campaign", "BOOLEAN"),
        ("last_dunning_campaign_attempt_at", "TIMESTAMP"),
    ],
    # the customer's dunning_currency_attempts map (currency -> attempts), one row per currency
    "lago_customer_dunning_attempts": [
        ("external_customer_id", "VARCHAR"),
        ("currency", "VARCHAR"),
        ("attempts", "INTEGER"),
    ],
    "lago_customer_taxes": [
        ("external_customer_id", "VARCHAR"),
        ("tax_code", "VARCHAR"),
        ("tax_rate", "DECIMAL(18,6)"),
    ],
    "lago_subscriptions": [
        ("lago_id", "VARCHAR"),
        ("external_id", "VARCHAR"),
        ("external_customer_id", "VARCHAR"),
        ("plan_code", "VARCHAR"),
        ("status", "VARCHAR"),
        ("billing_time", "VARCHAR"),
        ("subscription_at", "TIMESTAMP"),
        ("started_at", "TIMESTAMP"),
        ("ending_at", "TIMESTAMP"),
        ("terminated_at", "TIMESTAMP"),
        ("canceled_at", "TIMESTAMP"),
        ("previous_plan_code", "VARCHAR"),
        ("next_plan_code", "VARCHAR"),
        ("downgrade_plan_date", "DATE"),
        ("trial_ended_at", "TIMESTAMP"),
        ("on_termination_credit_note", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("payload_json", "VARCHAR"),
    ],
    "lago_coupons": [
        ("lago_id", "VARCHAR"),
        ("code", "VARCHAR"),
        ("name", "VARCHAR"),
        ("coupon_type", "VARCHAR"),  # fixed_amount | percentage
        ("amount_cents", "BIGINT"),
        ("amount_currency", "VARCHAR"),
        ("percentage_rate", "DECIMAL(18,6)"),
        ("frequency", "VARCHAR"),  # once | recurring | forever
        ("frequency_duration", "INTEGER"),
        ("reusable", "BOOLEAN"),
        ("limited_plans", "BOOLEAN"),
        ("limited_billable_metrics", "BOOLEAN"),
        ("plan_codes", "VARCHAR"),  # comma-joined
        ("billable_metric_codes", "VARCHAR"),  # comma-joined
        ("expiration", "VARCHAR"),
        ("expiration_at", "TIMESTAMP"),
        ("terminated_at", "TIMESTAMP"),
        ("created_at", "TIMESTAMP"),
    ],
    "lago_applied_coupons": [
        ("lago_id", "VARCHAR"),
        ("coupon_code", "VARCHAR"),
        ("external_customer_id", "VARCHAR"),
        ("amount_cents", "BIGINT"),
        ("amount_currency", "VARCHAR"),
        ("percentage_rate", "DECIMAL(18,6)"),
        ("frequency", "VARCHAR"),
        ("frequency_duration", "INTEGER"),
        ("expiration_at", "TIMESTAMP"),
        ("terminated_at", "TIMESTAMP"),
        ("created_at", "TIMESTAMP"),
    ],
    "lago_wallets": [
        ("lago_id", "VARCHAR"),
        ("external_customer_id", "VARCHAR"),
        ("code", "VARCHAR"),
        ("name", "VARCHAR"),
        ("status", "VARCHAR"),
        ("currency", "VARCHAR"),
        ("priority", "INTEGER"),
        ("rate_amount", "VARCHAR"),
        ("credits_balance", "VARCHAR"),
        ("balance_cents", "BIGINT"),
        ("applies_to_fee_types", "VARCHAR"),  # comma-joined
        ("applies_to_billable_metric_codes", "VARCHAR"),
        ("expiration_at", "TIMESTAMP"),
        ("terminated_at", "TIMESTAMP"),
        ("created_at", "TIMESTAMP"),
    ],
    "lago_wallet_transactions": [
        ("lago_id", "VARCHAR"),
        ("lago_wallet_id", "VARCHAR"),
        ("status", "VARCHAR"),
        ("transaction_status", "VARCHAR"),  # purchased | granted | voided | invoiced
        ("transaction_type", "VARCHAR"),  # inbound | outbound
        ("amount", "VARCHAR"),
        ("credit_amount", "VARCHAR"),
        ("settled_at", "TIMESTAMP"),
        ("created_at", "TIMESTAMP"),
    ],
    "lago_add_ons": [
        ("lago_id", "VARCHAR"),
        ("code", "VARCHAR"),
        ("name", "VARCHAR"),
        ("amount_cents", "BIGINT"),
        ("amount_currency", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
    ],
    "lago_credit_notes": [
        ("lago_id", "VARCHAR"),
        ("number", "VARCHAR"),
        ("lago_invoice_id", "VARCHAR"),
        ("invoice_number", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("currency", "VARCHAR"),
        ("credit_status", "VARCHAR"),
        ("refund_status", "VARCHAR"),
        ("total_amount_cents", "BIGINT"),
        ("credit_amount_cents", "BIGINT"),
        ("balance_amount_cents", "BIGINT"),
        ("refund_amount_cents", "BIGINT"),
        ("offset_amount_cents", "BIGINT"),
        ("taxes_amount_cents", "BIGINT"),
        ("created_at", "TIMESTAMP"),
        ("payload_json", "VARCHAR"),
    ],
    # ---- catalog: collections (Lago dunning campaigns, payment requests, payments) ---------
    "lago_dunning_campaigns": [
        ("lago_id", "VARCHAR"),  # GraphQL `id`; null when the export has only the code
        ("code", "VARCHAR"),
        ("name", "VARCHAR"),
        ("description", "VARCHAR"),
        ("applied_to_organization", "BOOLEAN"),
        ("days_between_attempts", "INTEGER"),  # > 0; 1 when absent
        ("max_attempts", "INTEGER"),  # > 0; 1 when absent
        ("bcc_emails", "VARCHAR"),  # comma-joined
        ("created_at", "TIMESTAMP"),
        ("updated_at", "TIMESTAMP"),
        ("deleted_at", "TIMESTAMP"),
    ],
    "lago_dunning_campaign_thresholds": [
        ("dunning_campaign_code", "VARCHAR"),
        ("currency", "VARCHAR"),  # one threshold per currency
        ("amount_cents", "BIGINT"),  # >= 0, minor units
    ],
    "lago_payment_requests": [
        ("lago_id", "VARCHAR"),
        ("external_customer_id", "VARCHAR"),  # customer.external_id
        ("email", "VARCHAR"),
        ("amount_cents", "BIGINT"),
        ("amount_currency", "VARCHAR"),
        ("payment_status", "VARCHAR"),  # pending | succeeded | failed
        ("dunning_campaign_code", "VARCHAR"),  # null = created by hand
        ("created_at", "TIMESTAMP"),
    ],
    "lago_payment_request_invoices": [
        ("payment_request_lago_id", "VARCHAR"),
        ("invoice_position", "INTEGER"),  # 1-based position in invoices[]
        ("invoice_lago_id", "VARCHAR"),
        ("invoice_number", "VARCHAR"),
    ],
    "lago_payments": [
        ("lago_id", "VARCHAR"),
        ("amount_cents", "BIGINT"),
        ("amount_currency", "VARCHAR"),
        ("payment_status", "VARCHAR"),  # pending | processing | succeeded | failed
        ("payment_type", "VARCHAR"),  # Lago `type`: manual | provider
        ("reference", "VARCHAR"),
        ("external_payment_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
    ],
    "lago_payment_invoices": [
        ("payment_lago_id", "VARCHAR"),
        ("invoice_position", "INTEGER"),  # 1-based position in invoice_ids[]
        ("invoice_lago_id", "VARCHAR"),
        ("invoice_number", "VARCHAR"),  # invoice_numbers[] at the same position, when sent
    ],
    # ---- billed: incumbent invoices (Lago or Stripe shape) ---------------------------------
    "billed_invoices": [
        ("invoice_source", "VARCHAR"),  # lago | stripe
        ("invoice_id", "VARCHAR"),  # lago_id or Stripe id
        ("invoice_number", "VARCHAR"),
        ("external_customer_id", "VARCHAR"),
        ("external_subscription_id", "VARCHAR"),
        ("billing_entity_code", "VARCHAR"),
        ("status", "VARCHAR"),
        ("currency", "VARCHAR"),
        ("issuing_date", "DATE"),
        ("period_start_at", "TIMESTAMP"),
        ("period_end_at", "TIMESTAMP"),
        ("fees_amount_minor", "BIGINT"),
        ("coupons_amount_minor", "BIGINT"),
        ("taxes_amount_minor", "BIGINT"),
        ("credit_notes_amount_minor", "BIGINT"),
        ("prepaid_credit_amount_minor", "BIGINT"),
        ("total_amount_minor", "BIGINT"),
        ("payload_json", "VARCHAR"),
        # collections (Lago's names; Stripe: due_date, days_until_due, amount_paid, amount_remaining,
        # status_transitions.voided_at; Stripe has no payment_status / overdue / dispute fields)
        ("payment_due_date", "DATE"),
        ("net_payment_term", "INTEGER"),
        ("payment_status", "VARCHAR"),  # pending | succeeded | failed
        ("payment_overdue", "BOOLEAN"),
        ("payment_dispute_lost_at", "TIMESTAMP"),
        ("total_paid_amount_minor", "BIGINT"),
        ("total_due_amount_minor", "BIGINT"),
        ("voided_at", "TIMESTAMP"),
    ],
    "billed_credit_notes": [
        ("invoice_source", "VARCHAR"),  # lago | stripe
        ("credit_note_id", "VARCHAR"),  # lago_id or Stripe id
        ("credit_note_number", "VARCHAR"),
        ("invoice_id", "VARCHAR"),  # the credited invoice (Lago lago_invoice_id / Stripe invoice)
        ("invoice_number", "VARCHAR"),
        ("status", "VARCHAR"),  # Lago credit_status / Stripe status (issued | void)
        ("refund_status", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("credit_note_type", "VARCHAR"),  # Stripe pre_payment | post_payment
        ("currency", "VARCHAR"),
        ("issuing_date", "DATE"),
        ("total_amount_minor", "BIGINT"),  # positive: the amount credited, taxes included
        ("credit_amount_minor", "BIGINT"),
        ("refund_amount_minor", "BIGINT"),
        ("taxes_amount_minor", "BIGINT"),
        ("created_at", "TIMESTAMP"),
        ("payload_json", "VARCHAR"),
    ],
    # one row per credited line of a billed credit note (Lago items[], Stripe lines.data[])
    "billed_credit_note_items": [
        ("invoice_source", "VARCHAR"),  # lago | stripe
        ("credit_note_id", "VARCHAR"),
        ("line_number", "INTEGER"),  # 1-based position in items[] / lines.data[]
        ("item_id", "VARCHAR"),  # Lago item lago_id / Stripe cnli_ id
        ("item_type", "VARCHAR"),  # Stripe invoice_line_item | custom_line_item; null for Lago
        # the invoice line credited: Lago fee lago_id / Stripe invoice_line_item (null: custom line)
        ("credited_line_id", "VARCHAR"),
        ("description", "VARCHAR"),
        # as sent, positive: Lago amount_cents (excl. tax, before the coupons adjustment); Stripe
        # amount (before discounts, excl. exclusive tax, incl. inclusive tax)
        ("amount_minor", "BIGINT"),
        ("inclusive_tax_amount_minor", "BIGINT"),  # Stripe: the inclusive tax inside amount
    ],
    "billed_invoice_lines": [
        ("invoice_source", "VARCHAR"),
        ("invoice_id", "VARCHAR"),
        ("line_id", "VARCHAR"),
        ("line_number", "INTEGER"),
        ("fee_type", "VARCHAR"),  # subscription | charge | add_on | commitment | credit ...
        ("item_code", "VARCHAR"),  # plan code / billable metric code / price id
        ("description", "VARCHAR"),
        ("external_subscription_id", "VARCHAR"),
        ("units", "DECIMAL(38,12)"),
        ("currency", "VARCHAR"),
        ("amount_minor", "BIGINT"),
        ("taxes_amount_minor", "BIGINT"),
        ("service_start_at", "TIMESTAMP"),
        ("service_end_at", "TIMESTAMP"),
    ],
    # ---- CRM (Salesforce) -----------------------------------------------------------------
    "sf_accounts": [
        ("id", "VARCHAR"),  # 18-char
        ("name", "VARCHAR"),
        ("billing_country", "VARCHAR"),
        ("currency_iso_code", "VARCHAR"),
        ("is_deleted", "BOOLEAN"),
        ("system_modstamp", "TIMESTAMP"),
        ("custom_fields_json", "VARCHAR"),  # every *__c field, keyed by lower-cased API name (plan_code__c)
        ("type", "VARCHAR"),
        ("owner_id", "VARCHAR"),
        ("parent_id", "VARCHAR"),
        ("synced_at", "TIMESTAMP"),  # Fivetran _fivetran_synced (null for API exports)
        ("is_fivetran_active", "BOOLEAN"),  # Fivetran _fivetran_active (null for API exports)
        ("industry", "VARCHAR"),  # Industry (picklist), a metrics segment
    ],
    "sf_opportunities": [
        ("id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("stage_name", "VARCHAR"),
        ("is_won", "BOOLEAN"),
        ("is_closed", "BOOLEAN"),
        ("is_deleted", "BOOLEAN"),
        ("close_date", "DATE"),
        ("amount_minor", "BIGINT"),
        ("currency_iso_code", "VARCHAR"),
        ("type", "VARCHAR"),
        ("system_modstamp", "TIMESTAMP"),
        ("custom_fields_json", "VARCHAR"),
        ("owner_id", "VARCHAR"),
        ("pricebook2_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("synced_at", "TIMESTAMP"),  # Fivetran _fivetran_synced (null for API exports)
        ("is_fivetran_active", "BOOLEAN"),  # Fivetran _fivetran_active (null for API exports)
        ("lead_source", "VARCHAR"),  # LeadSource (picklist), the acquisition channel segment
    ],
    "sf_opportunity_line_items": [
        ("id", "VARCHAR"),
        ("opportunity_id", "VARCHAR"),
        ("product2_id", "VARCHAR"),
        ("product_code", "VARCHAR"),
        ("quantity", "DECIMAL(38,12)"),
        ("unit_price_minor", "BIGINT"),
        ("total_price_minor", "BIGINT"),
        ("currency_iso_code", "VARCHAR"),
        ("service_date", "DATE"),
        ("is_deleted", "BOOLEAN"),
        ("system_modstamp", "TIMESTAMP"),
        ("custom_fields_json", "VARCHAR"),
        ("pricebook_entry_id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("list_price_minor", "BIGINT"),
        ("synced_at", "TIMESTAMP"),  # Fivetran _fivetran_synced (null for API exports)
        ("is_fivetran_active", "BOOLEAN"),  # Fivetran _fivetran_active (null for API exports)
    ],
    "sf_products": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("product_code", "VARCHAR"),
        ("family", "VARCHAR"),
        ("is_active", "BOOLEAN"),
        ("is_deleted", "BOOLEAN"),
        ("system_modstamp", "TIMESTAMP"),
        ("custom_fields_json", "VARCHAR"),
        ("synced_at", "TIMESTAMP"),  # Fivetran _fivetran_synced (null for API exports)
        ("is_fivetran_active", "BOOLEAN"),  # Fivetran _fivetran_active (null for API exports)
    ],
    "sf_pricebook_entries": [
        ("id", "VARCHAR"),
        ("pricebook2_id", "VARCHAR"),
        ("product2_id", "VARCHAR"),
        ("unit_price_minor", "BIGINT"),
        ("currency_iso_code", "VARCHAR"),
        ("is_active", "BOOLEAN"),
        ("is_deleted", "BOOLEAN"),
        ("system_modstamp", "TIMESTAMP"),
        ("product_code", "VARCHAR"),
        ("synced_at", "TIMESTAMP"),  # Fivetran _fivetran_synced (null for API exports)
        ("is_fivetran_active", "BOOLEAN"),  # Fivetran _fivetran_active (null for API exports)
    ],
    "sf_contracts": [
        ("id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("contract_number", "VARCHAR"),
        ("status", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("contract_term", "INTEGER"),  # months
        ("currency_iso_code", "VARCHAR"),
        ("is_deleted", "BOOLEAN"),
        ("system_modstamp", "TIMESTAMP"),
        ("custom_fields_json", "VARCHAR"),  # e.g. Opportunity__c, Plan_Code__c, Contract_Amount__c
        ("activated_at", "TIMESTAMP"),
        ("synced_at", "TIMESTAMP"),  # Fivetran _fivetran_synced (null for API exports)
        ("is_fivetran_active", "BOOLEAN"),  # Fivetran _fivetran_active (null for API exports)
    ],
    "sf_contacts": [
        ("id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("first_name", "VARCHAR"),
        ("last_name", "VARCHAR"),
        ("name", "VARCHAR"),
        ("email", "VARCHAR"),
        ("title", "VARCHAR"),
        ("lead_source", "VARCHAR"),
        ("owner_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        *_SF_RECORD_TAIL,
    ],
    "sf_leads": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("company", "VARCHAR"),
        ("email", "VARCHAR"),
        ("status", "VARCHAR"),
        ("lead_source", "VARCHAR"),
        ("country", "VARCHAR"),
        ("is_converted", "BOOLEAN"),
        ("converted_date", "DATE"),
        ("converted_account_id", "VARCHAR"),
        ("converted_contact_id", "VARCHAR"),
        ("converted_opportunity_id", "VARCHAR"),
        ("owner_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        *_SF_RECORD_TAIL,
    ],
    "sf_tasks": [
        ("id", "VARCHAR"),
        ("who_id", "VARCHAR"),
        ("what_id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("subject", "VARCHAR"),
        ("status", "VARCHAR"),
        ("priority", "VARCHAR"),
        ("task_subtype", "VARCHAR"),
        ("activity_date", "DATE"),
        ("is_closed", "BOOLEAN"),
        ("owner_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        *_SF_RECORD_TAIL,
    ],
    "sf_events": [
        ("id", "VARCHAR"),
        ("who_id", "VARCHAR"),
        ("what_id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("subject", "VARCHAR"),
        ("activity_date", "DATE"),
        ("start_at", "TIMESTAMP"),
        ("end_at", "TIMESTAMP"),
        ("duration_minutes", "INTEGER"),
        ("owner_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        *_SF_RECORD_TAIL,
    ],
    "sf_orders": [
        ("id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("contract_id", "VARCHAR"),
        ("opportunity_id", "VARCHAR"),
        ("order_number", "VARCHAR"),
        ("status", "VARCHAR"),
        ("type", "VARCHAR"),
        ("effective_date", "DATE"),
        ("end_date", "DATE"),
        ("total_amount_minor", "BIGINT"),
        ("currency_iso_code", "VARCHAR"),
        ("pricebook2_id", "VARCHAR"),
        ("activated_at", "TIMESTAMP"),
        ("owner_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        *_SF_RECORD_TAIL,
    ],
    "sf_user_roles": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("developer_name", "VARCHAR"),
        ("parent_role_id", "VARCHAR"),
        ("rollup_description", "VARCHAR"),
        *_SF_VERSION_COLUMNS,
    ],
    "sf_users": [
        ("id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("email", "VARCHAR"),
        ("is_active", "BOOLEAN"),
        ("system_modstamp", "TIMESTAMP"),
        ("is_deleted", "BOOLEAN"),  # Fivetran _fivetran_deleted
        ("synced_at", "TIMESTAMP"),  # Fivetran _fivetran_synced (null for API exports)
        ("is_fivetran_active", "BOOLEAN"),  # Fivetran _fivetran_active (null for API exports)
    ],
    # ---- payments --------------------------------------------------------------------------
    "payment_transactions": [
        # one row per gateway money movement, normalised enough to reconcile
        ("gateway", "VARCHAR"),  # stripe | adyen | gocardless
        (
            "gateway_object",
            "VARCHAR",
        ),  # charge | refund | dispute | payment_intent | balance_transaction | payout | invoice_payment |
        # payout_balance_transaction | settlement_row | payment | payout_item | event
        ("gateway_id", "VARCHAR"),  # natural key per landing contract (Adyen: composite)
        ("object_version_at", "TIMESTAMP"),  # source timestamp ordering versions
        ("record_type", "VARCHAR"),  # Stripe type / Adyen Type / GoCardless status or action
        ("status", "VARCHAR"),
        ("currency", "VARCHAR"),
        ("amount_minor", "BIGINT"),  # signed: money in to the merchant > 0
        ("fee_minor", "BIGINT"),
        ("net_minor", "BIGINT"),
        ("occurred_at", "TIMESTAMP"),  # UTC
        (
            "invoice_reference",
            "VARCHAR",
        ),  # Stripe invoice / Adyen Merchant Reference / GoCardless metadata.invoice or reference
        ("customer_reference", "VARCHAR"),
        ("parent_id", "VARCHAR"),  # charge of a refund/dispute, payment of a GoCardless event/payout item,
        # payment intent or charge of a Stripe invoice_payment, balance transaction of a payout link
        ("failure_code", "VARCHAR"),
        ("payload_json", "VARCHAR"),
        ("net_currency", "VARCHAR"),  # currency of net_minor/fee_minor when it differs (Adyen NC)
        # the payout holding the movement: Stripe balance transaction `payout` (Fivetran
        # payout_id) or the payout itself; Adyen `Merchant Account/Batch Number`; GoCardless
        # payment links.payout, payout item's payout, payout itself
        ("payout_id", "VARCHAR"),
        ("reporting_category", "VARCHAR"),  # Stripe balance transaction reporting_category
        (
            "payment_method",
            "VARCHAR",
        ),  # Stripe payment_method_details.type / Adyen Payment Method / GoCardless scheme
        ("lago_invoice_id", "VARCHAR"),  # metadata.lago_invoice_id (Lago sets it on gateway payments)
        ("lago_payable_type", "VARCHAR"),  # metadata.lago_payable_type: Invoice | PaymentRequest
        ("lago_payable_id", "VARCHAR"),  # metadata.lago_payable_id
        ("arrival_date", "DATE"),  # payouts: the day the money reaches the bank (Adyen: MerchantPayout row)
        ("gross_minor", "BIGINT"),  # Adyen Gross Credit - Gross Debit (GC), signed like amount_minor
        ("gross_currency", "VARCHAR"),  # Adyen Gross Currency
        ("exchange_rate", "DECIMAL(38,12)"),  # Adyen Exchange Rate (GC -> NC), as stated
        ("batch_number", "VARCHAR"),  # Adyen Batch Number
        ("merchant_account", "VARCHAR"),  # Adyen Merchant Account
        ("amount_requested_minor", "BIGINT"),  # Stripe invoice_payment amount_requested
        # GoCardless payout item amount: minor units with one decimal ("45.5"), kept exact
        ("amount_minor_decimal", "DECIMAL(38,4)"),
        ("item_position", "INTEGER"),  # GoCardless payout item: 1-based position in its payout's list
    ],
    "payment_customers": [
        # one row per gateway customer version (Stripe, GoCardless): who pays, for cash application
        ("gateway", "VARCHAR"),  # stripe | gocardless
        ("gateway_id", "VARCHAR"),  # cus_… / CU…
        ("object_version_at", "TIMESTAMP"),  # source timestamp ordering versions
        ("email", "VARCHAR"),
        ("customer_name", "VARCHAR"),  # Stripe name / GoCardless given + family name
        ("company_name", "VARCHAR"),  # GoCardless company_name
        ("currency", "VARCHAR"),  # Stripe default currency (null when unset)
        ("country_code", "VARCHAR"),  # Stripe address.country / GoCardless country_code
        ("is_deleted", "BOOLEAN"),  # Stripe deleted / Fivetran is_deleted
        ("lago_customer_id", "VARCHAR"),  # metadata.lago_customer_id (set by Lago)
        ("external_customer_id", "VARCHAR"),  # metadata.customer_id (Lago's external_id)
        ("created_at", "TIMESTAMP"),  # UTC
        ("payload_json", "VARCHAR"),
    ],
    # ---- fx and reference ------------------------------------------------------------------
    "fx_rates": [
        ("rate_date", "DATE"),
        ("base_currency", "VARCHAR"),  # EUR for ECB
        ("quote_currency", "VARCHAR"),
        ("rate", "DECIMAL(24,10)"),  # quote units per 1 base
    ],
    "reference_rows": [
        # landed reference CSVs (entities, settings, period_closes, ssp ...), one row per
        # CSV row as JSON; dbt overlays them on the seeds by key
        ("reference_kind", "VARCHAR"),
        ("row_json", "VARCHAR"),
    ],
}

NO_LINEAGE = {"landing_files", "quarantine", "duplicates", "loaded_keys"}

RAW_SCHEMA = "raw"

# dbt source of each raw table, one per source system: name -> (raw tables by name or prefix,
# staging folder under dbt_project/models/staging, description). schema_to_dbt writes one
# sources yml per system into its folder; every raw table belongs to exactly one system (a
# table matching none or two fails the generator and tests/ingest/test_schema_to_dbt.py).
# The tables stay in schema `raw`; Dagster keys them `raw/<table>` whatever the source name.
# payment_transactions holds all three gateways (one natural key space, one ingestion asset), so
# it is declared once, by `payments`; stg_stripe__* / stg_adyen__* / stg_gocardless__* filter it
# on `gateway`.
DBT_SOURCES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "ingestion": (
        ("landing_files", "quarantine", "duplicates", "loaded_keys"),
        "ingestion",
        "Ingestion bookkeeping written by every landing source: files, quarantined rows, duplicates, loaded keys.",
    ),
    "usage": (("usage_",), "usage", "Lago and CloudEvents usage events."),
    "lago": (
        ("lago_",),
        "lago",
        "Lago API objects: catalog, customers, subscriptions, coupons, wallets, credit notes, dunning campaigns, payment requests, payments.",
    ),
    "salesforce": (("sf_",), "salesforce", "Salesforce exports or Fivetran-synced Salesforce tables."),
    "payments": (
        ("payment_",),
        "payments",
        "Money movements of the payment gateways (Stripe, Adyen, GoCardless) and their customers, told apart by `gateway`.",
    ),
    "billed": (
        ("billed_",),
        "billed",
        "Invoices, invoice lines and credit notes of the incumbent billing system (Lago or Stripe).",
    ),
    "ecb": (("fx_",), "ecb", "ECB reference exchange rates, EUR base."),
    "reference": (("reference_",), "reference", "Finance-edited reference CSVs, one JSON row each."),
}


def dbt_source_of(table: str) -> str:
    """The dbt source (source system) that declares a raw table."""
    matches = [
        name
        for name, (patterns, _, _) in DBT_SOURCES.items()
        if any(table == p or (p.endswith("_") and table.startswith(p)) for p in patterns)
    ]
    if len(matches) != 1:
        raise ValueError(
            f"raw table {table!r} belongs to {len(matches)} dbt sources ({matches}); see DBT_SOURCES"
        )
    return matches[0]


def table_columns(name: str) -> list[tuple[str, str]]:
    cols = list(TABLES[name])
    if name not in NO_LINEAGE:
        cols += LINEAGE
    return cols


def create_raw_tables(con) -> None:
    """Create every raw table that does not exist yet, and add the columns an older warehouse's
    tables lack (NULL on the rows already there); idempotent."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?",
        [RAW_SCHEMA],
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    for name in TABLES:
        if name not in existing:
            cols = ", ".join(f'"{c}" {t}' for c, t in table_columns(name))
            con.execute(f"create table if not exists {RAW_SCHEMA}.{name} ({cols})")
            continue
        for column, sql_type in table_columns(name):
            if column not in existing[name]:
                con.execute(f'alter table {RAW_SCHEMA}.{name} add column "{column}" {sql_type}')
