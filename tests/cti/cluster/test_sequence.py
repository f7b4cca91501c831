"""Numbered live messages: a gateway counts a message that never came, once, and nothing
else (a new publisher, a resubscription, a lost bus or an unnumbered message)."""

from __future__ import annotations

from cti.cluster.sequence import SEQUENCE_HEADER, GapWatch, Numbering

SUBJECT = "ctidesk.user.li"


def test_each_subject_is_numbered_on_its_own_from_1() -> None:
    numbering = Numbering("gw-b:1a2b")
    assert numbering.headers(SUBJECT) == {SEQUENCE_HEADER: "gw-b:1a2b.1"}
    assert numbering.headers("ctidesk.broadcast.all") == {SEQUENCE_HEADER: "gw-b:1a2b.1"}
    assert numbering.headers(SUBJECT) == {SEQUENCE_HEADER: "gw-b:1a2b.2"}


def test_a_jump_is_one_gap_and_the_count_goes_on_from_it() -> None:
    watch, numbering = GapWatch(), Numbering("edge:1")
    sent = [numbering.headers(SUBJECT) for _ in range(6)]
    assert [watch.heard(SUBJECT, sent[n]) for n in (0, 1, 4, 5)] == [False, False, True, False]
    assert watch.gaps == 1
    assert watch.heard(SUBJECT, sent[4]) is False  # a repeat is no gap


def test_a_new_publisher_a_resubscription_or_a_lost_bus_start_the_count_again() -> None:
    watch = GapWatch()
    assert watch.heard(SUBJECT, {SEQUENCE_HEADER: "edge:1.7"}) is False  # joined mid-way
    assert watch.heard(SUBJECT, {SEQUENCE_HEADER: "edge:2.1"}) is False  # restarted edge
    watch.forget(SUBJECT)
    assert watch.heard(SUBJECT, {SEQUENCE_HEADER: "edge:1.20"}) is False
    watch.reset()
    assert watch.heard(SUBJECT, {SEQUENCE_HEADER: "edge:1.40"}) is False
    assert watch.heard(SUBJECT, None) is False
    assert watch.heard(SUBJECT, {SEQUENCE_HEADER: "edge:1.x"}) is False
    assert watch.gaps == 0
