{#- The Lago customer a gateway customer belongs to (collections.md 4.3): the one whose
    provider_customer_id is the gateway's customer id; the smallest external id when several
    claim it, so a payment lands on one customer. One row per provider_customer_id. -#}
{% macro lago_customer_of_provider_id(customers) %}
    select provider_customer_id, min(external_customer_id) as external_customer_id
    from {{ customers }}
    where provider_customer_id is not null
    group by provider_customer_id
{% endmacro %}
