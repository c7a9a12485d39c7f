-- The review queue (docs/assurance.md §5): every rule and ML finding, one row each, with the
-- reviewer's status (open unless an applied reference/assurance_review_status row says otherwise)
-- and why a flag is not a fault when the data says so.
{%- set columns = assurance_finding_columns() %}
with findings as (
    select * from {{ ref('int_assurance__findings') }}
),

statuses as (
    select * from {{ ref('int_assurance__review_statuses') }}
),

explanations as (
    select * from {{ ref('int_assurance__finding_explanations') }}
),

final as (
    select
        {% for c in columns %}findings.{{ c }},
        {% endfor -%}
        coalesce(statuses.review_status, 'open') as status,
        explanations.explained_by,
        findings.detected_on as first_seen_on
    from findings
    left join statuses on findings.finding_id = statuses.finding_id and statuses.is_applied
    left join explanations on findings.finding_id = explanations.finding_id
)

select * from final
