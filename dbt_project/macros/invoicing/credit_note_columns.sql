{#- The columns that say what a credit note is (whose, on what, how much), in the order every
    credit-note model carries them: revhouse's own notes (termination, progressive excess),
    their checks (int_billing__credit_note_checks) and the applied notes
    (int_billing__credit_notes). -#}
{% macro credit_note_identity_columns() -%}
    {{ return(['credit_note_id', 'credit_note_source', 'credit_note_number', 'external_customer_id',
        'billing_entity_code', 'currency', 'reason', 'credited_invoice_id', 'credited_fee_id',
        'credit_type', 'available_from_date', 'credit_sub_total_amount_minor', 'taxes_amount_minor',
        'total_amount_minor']) }}
{%- endmacro %}
