"""CSV lists: E.164 numbers, every refused row with its line and reason, GB18030 files,
consent, a progress callback, and no list of 0 valid rows."""

from __future__ import annotations

import pytest

from crm_core.campaigns.exceptions import LeadListError
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.campaigns import Running, campaign_spec, phones_csv
from tests.support.crm import new_member


async def test_rows_become_leads_and_every_refused_row_is_reported(
    any_crm: Crm, running: Running
) -> None:
    member = await new_member(any_crm, phone="13900000001")
    await any_crm.campaigns.suppress("13800000009", source="api", reason="asked", by="sup1")
    data = (
        "phone,member number,name,time zone,offer\n"
        "138 0000 0001,,王芳,,gold\n"  # line 2: accepted, custom field kept
        "not a number,,,,\n"  # 3: bad-number
        "+86 138-0000-0001,,,,\n"  # 4: duplicate of line 2
        "13800000009,,,,\n"  # 5: suppressed
        f"13900000001,{member},,,\n"  # 6: accepted, linked to the member
        "13800000003,I-99999999,,,\n"  # 7: unknown-member
        "13800000004,,,Moon/Base,\n"  # 8: bad-zone
        "13800000005,,,Europe/Paris,silver\n"  # 9: accepted in Paris time
    ).encode()
    report = await any_crm.campaigns.import_csv(running.id, data, default_region="CN")
    assert report.accepted == 3
    assert report.total_rows == 8
    assert [(row.line_no, row.reason) for row in report.refused] == [
        (3, "bad-number"),
        (4, "duplicate"),
        (5, "suppressed"),
        (7, "unknown-member"),
        (8, "bad-zone"),
    ]
    assert report.refused[0].raw == "not a number,,,,"
    assert report.encoding == "utf-8"


async def test_a_gb18030_file_is_read_and_the_report_says_so(
    any_crm: Crm, running: Running
) -> None:
    data = "电话,姓名\n13800000001,张伟\n".encode("gb18030")
    report = await any_crm.campaigns.import_csv(running.id, data, default_region="CN")
    assert report.accepted == 1
    assert report.encoding == "gb18030"
    assert any("GB18030" in note for note in report.notes)


async def test_a_file_neither_utf8_nor_gb18030_is_refused(any_crm: Crm, running: Running) -> None:
    with pytest.raises(LeadListError) as caught:
        await any_crm.campaigns.import_csv(
            running.id, b"phone\n\x80\xff\xfe\n", default_region="CN"
        )
    assert caught.value.details["field"] == "file"


async def test_a_list_without_a_phone_column_is_refused(any_crm: Crm, running: Running) -> None:
    with pytest.raises(LeadListError) as caught:
        await any_crm.campaigns.import_csv(running.id, b"name\nx\n", default_region="CN")
    assert caught.value.details["field"] == "phone"


async def test_a_list_of_zero_valid_rows_is_an_error_listing_why(
    any_crm: Crm, running: Running
) -> None:
    with pytest.raises(LeadListError) as caught:
        await any_crm.campaigns.import_csv(running.id, phones_csv("x", "12"), default_region="CN")
    assert caught.value.details["field"] == "rows"
    assert [row["line_no"] for row in caught.value.details["refused"]] == [2, 3]
    assert (await any_crm.campaigns.counters(running.id)).leads == 0


async def test_progress_is_reported_up_to_the_total(any_crm: Crm, running: Running) -> None:
    phones = [f"1380000{n:04d}" for n in range(1200)]
    seen: list[tuple[int, int]] = []
    report = await any_crm.campaigns.import_csv(
        running.id,
        phones_csv(*phones),
        default_region="CN",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.accepted == 1200
    assert seen[-1] == (1200, 1200)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert len(seen) >= 3


async def test_a_campaign_requiring_consent_leaves_out_members_without_it(
    any_crm: Crm, clock: Clock
) -> None:
    campaign = await any_crm.campaigns.create(
        campaign_spec(name="consented", require_consent=True), "sup1"
    )
    granted = await new_member(any_crm, name="A", phone="13900000001")
    refused = await new_member(any_crm, name="B", phone="13900000002")
    await new_member(any_crm, name="C", phone="13900000003")  # nothing recorded
    members = {
        view.number: view
        for view in [await any_crm.members.get(granted), await any_crm.members.get(refused)]
    }
    ids = await _member_ids(any_crm, list(members))
    await any_crm.campaigns.record_consent(ids[granted], "phone", True, "web-form", "sup1")
    await any_crm.campaigns.record_consent(ids[refused], "phone", True, "web-form", "sup1")
    await any_crm.campaigns.record_consent(ids[refused], "phone", False, "call", "agent1")
    data = phones_csv("13900000001", "13900000002", "13900000003", "13800000077")
    report = await any_crm.campaigns.import_csv(campaign.id, data, default_region="CN")
    assert report.accepted == 1
    assert report.refused_for("no-consent") == 3
    assert [row.line_no for row in report.refused] == [3, 4, 5]


async def _member_ids(crm: Crm, numbers: list[str]) -> dict[str, int]:
    from sqlalchemy import select

    from crm_core.members.models import Member

    async with crm.db.read() as session:
        rows = await session.execute(
            select(Member.number, Member.id).where(Member.number.in_(numbers))
        )
        return {number: member_id for number, member_id in rows}
