"""Template rendering: context variables, missing data and errors reported (never raised), the sandbox holds."""

from __future__ import annotations

import time

import pytest

from deskapp.copilot.templating import LineItem, check, render

CTX = {
    "customer": {"first_name": "Zoë", "name": "Zoë Álvarez"},
    "order": {"number": "#1042", "status": "shipped", "tracking_url": "https://track.example/1042",
              "items": [LineItem("Blue Mug", 2), LineItem("Hat", 1)]},
    "agent": {"name": "Sam"},
}


def test_renders_customer_order_and_agent_variables():
    body = ("Hi {{ customer.first_name }}, order {{ order.number }} is {{ order.status }}: {{ order.tracking_url }}"
            " ({{ order.items|join(', ') }}{% for i in order.items %}; {{ i.title }} x{{ i.quantity }}{% endfor %})"
            " – {{ agent.name }}")
    result = render(body, CTX)
    assert result.ok
    assert result.text == ("Hi Zoë, order #1042 is shipped: https://track.example/1042 (2 × Blue Mug, Hat;"
                           " Blue Mug x2; Hat x1) – Sam")


def test_missing_data_and_unknown_variables_are_reported_not_raised():
    result = render("Hi {{ customer.nickname }} {{ mystery }}, your order {{ order.number }}",
                    {"customer": {"first_name": "A"}})
    assert result.error is None
    assert result.missing == ["customer.nickname", "mystery", "order.number"]
    assert result.text == "Hi  , your order"
    assert not result.ok


def test_a_template_may_test_for_absent_data_without_a_warning():
    result = render("{% if order %}Order {{ order.number }}{% else %}No order yet{% endif %}", {})
    assert result.text == "No order yet" and result.missing == []


@pytest.mark.parametrize("body", [
    "{% if %}", "{{ order.number ", "{% for x in %}{% endfor %}", "{{ 1/0 }}", "{{ customer.first_name() }}",
    "{{ order.items[99] }}x", "{% include 'other' %}", "{% extends 'base' %}", "{{ none.x.y }}",
])
def test_template_errors_are_reported_never_raised(body):
    result = render(body, CTX)
    assert result.error or result.missing or result.text is not None


@pytest.mark.parametrize("body", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ customer.__class__ }}",
    "{{ order.items.__class__.__init__.__globals__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__ }}",
])
def test_the_sandbox_reads_only_the_context(body):
    result = render(body, CTX)
    assert "os" not in result.text and "class" not in result.text and "function" not in result.text


@pytest.mark.parametrize("body", [
    "{% for i in range(10**9) %}x{% endfor %}",
    "{{ 'x' * 100000000 }}",
    "{{ 2 ** 100000000 }}",
    "{% set n = 99999999 %}{{ 7 ** n }}",
    "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
    "{% endfor %}{% endfor %}{% endfor %}",
    "{% for a in range(1000) %}{% for b in range(1000) %}{{ a }}{% endfor %}{% endfor %}",
])
def test_runaway_templates_are_stopped_quickly(body):
    start = time.perf_counter()
    result = render(body, CTX)
    assert time.perf_counter() - start < 2.0
    assert result.error


def test_check_flags_unknown_variables_and_syntax():
    assert check("Hi {{ customer.first_name }} {% set x = 1 %}{{ x }}") == []
    assert check("{{ customer.nickname }} {{ foo }}") == ["unknown variable customer.nickname", "unknown variable foo"]
    assert check("{% for %}")[0].startswith("line 1:")
