{#- The combination of `columns` identifies a row (a composite key): no two rows share it.
    Null is a value here, as in a group by. -#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as rows_sharing_the_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
