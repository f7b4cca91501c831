"""Message templates with member fields, checked when saved and rendered without failing.

A template is text with ``{field}`` placeholders from a fixed list of member fields
(:data:`FIELDS`); ``{{`` and ``}}`` stand for literal braces. Anything else in braces —
an unknown name, attribute or index access (``{name.__class__}``, ``{x[0]}``), a
format spec or conversion (``{points:>8}``, ``{name!r}``), nesting — and any stray
brace is refused by :func:`compile_template`, when the template is saved. Rendering a
compiled template is plain concatenation of strings: it cannot fail and it evaluates
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from crm_core.activities.exceptions import TemplateSyntaxError
from crm_core.loyalty.schemas import PointsSummary
from crm_core.members.schemas import MemberView

FIELDS: dict[str, str] = {
    "number": "member number, e.g. I-00000001",
    "name": "member name",
    "level": "member level, 1 to 5",
    "member_type": "member/card type code",
    "points": "valid points",
    "cumulative": "cumulative points",
    "expiring_points": "points expiring within 30 days",
    "city": "city",
    "province": "province",
    "region": "region",
    "phone": "first phone number (E.164)",
    "email": "e-mail address",
    "owner": "account manager",
    "employer": "employer",
    "job_title": "job title",
}
ALLOWED = tuple(FIELDS)


@dataclass(frozen=True)
class Placeholder:
    """A ``{field}`` in a compiled template."""

    field: str


Part = str | Placeholder


@dataclass(frozen=True)
class CompiledTemplate:
    """A template split into literal text and placeholders of allowed fields."""

    parts: tuple[Part, ...]

    @property
    def fields(self) -> frozenset[str]:
        """The member fields the template uses."""
        return frozenset(part.field for part in self.parts if isinstance(part, Placeholder))

    def render(self, values: Mapping[str, str]) -> str:
        """The text with every placeholder replaced (a field without a value renders empty)."""
        return "".join(
            part if isinstance(part, str) else values.get(part.field, "") for part in self.parts
        )


def _refuse(position: int, problem: str) -> TemplateSyntaxError:
    return TemplateSyntaxError(
        f"template error at character {position + 1}: {problem}; "
        f"allowed fields are {', '.join('{' + name + '}' for name in ALLOWED)} "
        "and '{{' / '}}' for literal braces",
        position=position,
        problem=problem,
        allowed_fields=list(ALLOWED),
    )


def _placeholder(start: int, content: str) -> Placeholder:
    if not content:
        raise _refuse(start, "empty placeholder '{}'")
    if any(mark in content for mark in ".["):
        raise _refuse(start, f"'{{{content}}}': attribute and index access are not allowed")
    if any(mark in content for mark in ":!"):
        raise _refuse(start, f"'{{{content}}}': format specs and conversions are not allowed")
    if content not in FIELDS:
        raise _refuse(start, f"unknown field '{{{content}}}'")
    return Placeholder(content)


def compile_template(text: str) -> CompiledTemplate:
    """Parse ``text`` or raise :class:`TemplateSyntaxError` saying where and what is allowed."""
    parts: list[Part] = []
    literal: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char in "{}" and text.startswith(char * 2, position):
            literal.append(char)
            position += 2
        elif char == "}":
            raise _refuse(position, "single '}' (write '}}' for a literal brace)")
        elif char == "{":
            end = text.find("}", position + 1)
            if end < 0:
                raise _refuse(position, "'{' is never closed (write '{{' for a literal brace)")
            content = text[position + 1 : end]
            if "{" in content:
                raise _refuse(position, "nested braces are not allowed")
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(_placeholder(position, content))
            position = end + 1
        else:
            literal.append(char)
            position += 1
    if literal:
        parts.append("".join(literal))
    return CompiledTemplate(tuple(parts))


def escape(text: str) -> str:
    """``text`` as a template that renders to exactly ``text``."""
    return text.replace("{", "{{").replace("}", "}}")


def member_values(member: MemberView, points: PointsSummary) -> dict[str, str]:
    """The value of every allowed field for one member (empty text where unknown)."""
    return {
        "number": member.number,
        "name": member.name,
        "level": str(member.level),
        "member_type": member.member_type or "",
        "points": str(points.valid),
        "cumulative": str(points.cumulative),
        "expiring_points": str(sum(lot.points for lot in points.expiring_soon)),
        "city": member.city or "",
        "province": member.province or "",
        "region": member.region or "",
        "phone": member.phones[0].e164 if member.phones else "",
        "email": member.email or "",
        "owner": member.owner or "",
        "employer": member.employer or "",
        "job_title": member.job_title or "",
    }


__all__ = [
    "ALLOWED",
    "FIELDS",
    "CompiledTemplate",
    "Placeholder",
    "compile_template",
    "escape",
    "member_values",
]
