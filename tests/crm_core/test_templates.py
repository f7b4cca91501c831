"""Message templates: whitelisted member fields only, refused when saved, safe when sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_core.activities.exceptions import TemplateSyntaxError
from crm_core.activities.templates import (
    ALLOWED,
    CompiledTemplate,
    Placeholder,
    compile_template,
    escape,
    member_values,
)
from crm_core.loyalty.schemas import ExpiringLot, PointsSummary
from crm_core.members.models import MemberKind
from crm_core.members.schemas import MemberView, PhoneView

VALUES = {name: f"<{name}>" for name in ALLOWED}


def test_fields_and_escaped_braces_render() -> None:
    template = compile_template("尊敬的{name}：您有{points}积分（{level}星）{{VIP}} }}")
    assert template.fields == {"name", "points", "level"}
    assert template.render(VALUES) == "尊敬的<name>：您有<points>积分（<level>星）{VIP} }"


def test_a_template_without_fields_is_its_text() -> None:
    assert compile_template("Thanks for calling").parts == ("Thanks for calling",)
    assert compile_template("").render(VALUES) == ""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{name.__class__}", "attribute and index access"),
        ("{name.__class__.__mro__}", "attribute and index access"),
        ("{x[0]}", "attribute and index access"),
        ("{points:>8}", "format specs and conversions"),
        ("{name!r}", "format specs and conversions"),
        ("{unknown}", "unknown field '{unknown}'"),
        ("{Name}", "unknown field"),
        ("{ name }", "unknown field"),
        ("{0}", "unknown field"),
        ("{}", "empty placeholder"),
        ("Hello {name", "never closed"),
        ("Hello name}", "single '}'"),
        ("{na{me}}", "nested braces"),
        ("{{name}", "single '}'"),
    ],
)
def test_unsafe_or_unknown_placeholders_are_refused(text: str, problem: str) -> None:
    with pytest.raises(TemplateSyntaxError) as refused:
        compile_template(text)
    assert problem in refused.value.details["problem"]
    assert refused.value.details["allowed_fields"] == list(ALLOWED)
    assert "{name}" in refused.value.message and "{points}" in refused.value.message


def test_the_error_says_where() -> None:
    with pytest.raises(TemplateSyntaxError) as refused:
        compile_template("Dear {name}, your {balance} points")
    assert refused.value.details["position"] == len("Dear {name}, your ")


def test_member_values_fill_every_allowed_field() -> None:
    member = MemberView(
        number="I-00000001",
        kind=MemberKind.INDIVIDUAL,
        name="李娜",
        phones=(PhoneView("+8613812345678", "mobile"),),
        level=3,
        member_type="gold",
        owner=None,
        city="上海",
    )
    expiry = datetime(2026, 3, 20, tzinfo=UTC)
    points = PointsSummary("I-00000001", 1200, 5000, (ExpiringLot(200, expiry),))
    values = member_values(member, points)
    assert set(values) == set(ALLOWED)
    assert (values["points"], values["cumulative"], values["expiring_points"]) == (
        "1200",
        "5000",
        "200",
    )
    assert (values["level"], values["city"], values["phone"], values["owner"]) == (
        "3",
        "上海",
        "+8613812345678",
        "",
    )


@given(st.text())
def test_any_text_compiles_or_is_refused_cleanly(text: str) -> None:
    try:
        template = compile_template(text)
    except TemplateSyntaxError:
        return
    assert template.fields <= set(ALLOWED)
    assert isinstance(template.render({}), str)


@given(st.text())
def test_escaped_text_renders_to_itself(text: str) -> None:
    template = compile_template(escape(text))
    assert template.fields == frozenset()
    assert template.render(VALUES) == text


pieces = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="{}")),
    st.sampled_from(ALLOWED).map(Placeholder),
    st.sampled_from(["{", "}"]),
)


@given(st.lists(pieces, max_size=12), st.dictionaries(st.sampled_from(ALLOWED), st.text()))
def test_saved_templates_render_for_any_member(parts: list[object], values: dict[str, str]) -> None:
    text = "".join(
        f"{{{part.field}}}" if isinstance(part, Placeholder) else escape(str(part))
        for part in parts
    )
    template = compile_template(text)
    assert isinstance(template, CompiledTemplate)
    expected = "".join(
        values.get(part.field, "") if isinstance(part, Placeholder) else str(part) for part in parts
    )
    assert template.render(values) == expected
