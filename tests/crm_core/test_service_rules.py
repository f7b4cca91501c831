"""Pure service-desk rules: priority table, SLA deadlines and overdue, KPI figures, birthdays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.service_desk.kinds import RequestType
from crm_core.service_desk.kpis import kpi_figures
from crm_core.service_desk.priority import (
    DEFAULT_PRIORITY_TABLE,
    FALLBACK_PRIORITY,
    derive_priority,
)
from crm_core.service_desk.schedule import (
    birthday_due,
    birthday_in,
    month_days_within,
    next_birthday,
)
from crm_core.service_desk.sla import (
    DEFAULT_SLA,
    SlaFacts,
    SlaTerms,
    due_times,
    missed_a_deadline,
    overdue_now,
    terms_for,
)
from crm_core.service_desk.workflow import RequestStatus

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_priority_from_level_and_type_with_the_table_first() -> None:
    assert derive_priority(DEFAULT_PRIORITY_TABLE, RequestType.COMPLAINT, 5) == 1
    assert derive_priority(DEFAULT_PRIORITY_TABLE, RequestType.SUGGESTION, 1) == 4
    assert derive_priority({}, RequestType.COMPLAINT, 5) == 1  # built-in default
    assert derive_priority({(RequestType.COMPLAINT, 5): 3}, RequestType.COMPLAINT, 5) == 3
    assert derive_priority({}, RequestType.REPAIR, 9) == FALLBACK_PRIORITY
    assert len(DEFAULT_PRIORITY_TABLE) == 25 and len(DEFAULT_SLA) == 20


def test_sla_deadlines_count_from_logging() -> None:
    terms = terms_for({}, RequestType.COMPLAINT, 1)
    assert terms == SlaTerms(30, 240)
    assert due_times(T0, terms) == (T0 + timedelta(minutes=30), T0 + timedelta(hours=4))
    assert (
        terms_for(
            {(RequestType.REPAIR, 2): SlaTerms(5, 10)}, RequestType.REPAIR, 2
        ).response_minutes
        == 5
    )
    assert terms_for({}, RequestType.ENQUIRY, 4) == SlaTerms(120, 1440)


def _facts(
    status: RequestStatus, *, accepted: int | None = None, resolved: int | None = None
) -> SlaFacts:
    return SlaFacts(
        status=status,
        created_at=T0,
        response_due=T0 + timedelta(minutes=60),
        resolution_due=T0 + timedelta(hours=24),
        accepted_at=None if accepted is None else T0 + timedelta(minutes=accepted),
        resolved_at=None if resolved is None else T0 + timedelta(minutes=resolved),
    )


def test_overdue_now_and_missed_deadlines() -> None:
    late = T0 + timedelta(minutes=61)
    assert overdue_now(_facts(RequestStatus.NEW), T0 + timedelta(minutes=60)) == ()
    assert overdue_now(_facts(RequestStatus.NEW), late) == ("response",)
    assert overdue_now(_facts(RequestStatus.ACCEPTED, accepted=5), late) == ()
    assert overdue_now(_facts(RequestStatus.NEW), T0 + timedelta(days=2)) == (
        "response",
        "resolution",
    )
    assert overdue_now(_facts(RequestStatus.IN_PROGRESS, accepted=5), T0 + timedelta(days=2)) == (
        "resolution",
    )
    assert (
        overdue_now(
            _facts(RequestStatus.RESOLVED, accepted=5, resolved=9), late + timedelta(days=9)
        )
        == ()
    )
    assert not missed_a_deadline(_facts(RequestStatus.RESOLVED, accepted=5, resolved=600), late)
    assert missed_a_deadline(_facts(RequestStatus.RESOLVED, accepted=90, resolved=600), late)
    assert missed_a_deadline(_facts(RequestStatus.CLOSED, accepted=5, resolved=2000), late)
    assert not missed_a_deadline(_facts(RequestStatus.CANCELLED), late + timedelta(days=9))


def test_kpi_figures_per_queue_and_owner() -> None:
    now = T0 + timedelta(hours=30)
    rows = [
        (_facts(RequestStatus.CLOSED, accepted=10, resolved=120), "pc", "ann"),  # both in time
        (_facts(RequestStatus.RESOLVED, accepted=90, resolved=1500), "pc", "bob"),  # both late
        (_facts(RequestStatus.IN_PROGRESS, accepted=30), "pc", "ann"),  # 24 h passed: unresolved
        (_facts(RequestStatus.CANCELLED), "big", None),
        (_facts(RequestStatus.NEW), None, None),
    ]
    total, by_queue, by_owner = kpi_figures(rows, now)
    assert (total.requests, total.cancelled) == (4, 1)
    assert (total.responded_within_1h, total.response_measured) == (2, 4)
    assert total.response_rate == Decimal("0.5000")
    assert (total.resolved_within_24h, total.resolution_measured) == (1, 4)
    assert total.resolution_rate == Decimal("0.2500")
    assert total.overdue == 3
    assert [q.group for q in by_queue] == ["big", "pc", None]
    pc = by_queue[1]
    assert (pc.requests, pc.responded_within_1h, pc.resolved_within_24h, pc.overdue) == (3, 2, 1, 2)
    assert by_queue[0].response_rate is None  # only a cancelled request: nothing measured
    assert [o.group for o in by_owner] == ["ann", "bob", None]
    young = kpi_figures([(_facts(RequestStatus.NEW), None, None)], T0 + timedelta(minutes=5))[0]
    assert (young.response_measured, young.response_rate, young.overdue) == (0, None, 0)


def test_birthdays_on_29_february_and_across_the_new_year() -> None:
    leapling = date(2000, 2, 29)
    assert birthday_in(2027, leapling) == date(2027, 2, 28)
    assert birthday_in(2028, leapling) == date(2028, 2, 29)
    assert next_birthday(leapling, date(2027, 3, 1)) == date(2028, 2, 29)
    assert birthday_due(date(1990, 1, 3), date(2026, 12, 29), 7) == date(2027, 1, 3)
    assert birthday_due(date(1990, 1, 3), date(2026, 12, 29), 4) is None
    assert birthday_due(date(1990, 12, 29), date(2026, 12, 29), 0) == date(2026, 12, 29)
    assert 229 in month_days_within(date(2027, 2, 27), 1)
    assert 229 not in month_days_within(date(2028, 2, 27), 1)
    assert 229 in month_days_within(date(2028, 2, 27), 2)
    assert {101, 1231} <= month_days_within(date(2026, 12, 31), 1)


@settings(deadline=None)
@given(
    birthday=st.dates(date(1904, 1, 1), date(2026, 12, 31)),
    today=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
    within=st.integers(0, 366),
)
def test_birthday_window_matches_a_day_by_day_search(
    birthday: date, today: date, within: int
) -> None:
    expected = None
    for offset in range(within + 1):
        day = today + timedelta(days=offset)
        if birthday_in(day.year, birthday) == day:
            expected = day
            break
    assert birthday_due(birthday, today, within) == expected
    if expected is not None:  # the database pre-filter never loses a match
        assert birthday.month * 100 + birthday.day in month_days_within(today, within)
