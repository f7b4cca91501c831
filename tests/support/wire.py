"""Wire examples for tests that need a typed member without a CRM (unit tests)."""

from __future__ import annotations

from cti.protocol import MemberProfile, MemberSummary, PointsBalance, ProfilePhone


def member_summary(
    number: str = "I-00000001", name: str = "李娜", valid_points: int = 10
) -> MemberSummary:
    """A small pop summary: a profile with one phone, points, nothing else on record."""
    profile = MemberProfile(
        number=number,
        kind="individual",
        name=name,
        phones=(ProfilePhone("+8613812345678", "mobile"),),
        level=3,
        member_type="gold",
        owner=None,
    )
    return MemberSummary(
        number=number,
        name=name,
        level=profile.level,
        member_type=profile.member_type,
        other_matches=(),
        profile=profile,
        cards=(),
        points=PointsBalance(number, valid_points, valid_points, ()),
        open_requests=(),
        last_calls=(),
        last_survey=None,
    )


__all__ = ["member_summary"]
