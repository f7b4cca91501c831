"""The demo's people and their cards, planned from a seeded random generator.

Members (individuals and organisations, with phones, addresses and preferences), their
orders' lines and the life of their member cards (issued, bound, lost, replaced, cancelled
blanks) are planned here as plain data; :mod:`crm_core.io.demo` replays the plan through
the CRM's services. The same generator state gives the same plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_core.io.demo_data import (
    CARD_PREFIX,
    CATEGORIES,
    CHANNELS,
    CITIES,
    CITY_WEIGHTS,
    EDUCATION,
    GIVEN_NAMES,
    INCOME,
    JOBS,
    LATIN_NAMES,
    LEVEL_WEIGHTS,
    MOBILE_PREFIXES,
    ORG_TRADES,
    ORG_WORDS,
    OWNERS,
    PRODUCTS,
    STORES,
    SURNAMES,
    TYPE_BY_LEVEL,
)
from crm_core.members.models import MemberKind
from crm_core.members.phones import InvalidPhoneError, normalise

HISTORY_DAYS = 800
"""How far back the demo's members joined."""


@dataclass
class MemberPlan:
    """One member to create: when, of which kind and level, with which fields."""

    index: int
    registered_at: datetime
    kind: MemberKind
    level: int
    fields: dict[str, Any]
    phones: list[str]
    referrer: int | None = None


@dataclass(frozen=True)
class CardOp:
    """One step in a card's life, at its moment."""

    at: datetime
    action: str  # issue, bind, lost, replace, cancel
    card: str
    member: int | None = None
    uid: str | None = None
    card_type: str | None = None
    new_card: str | None = None


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment from ``start`` to ``end`` (whole seconds)."""
    seconds = max(0, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randrange(seconds + 1))


def _phone(rng: random.Random, taken: set[str], *, area_code: str | None = None) -> str:
    """A fresh valid phone as people write it: a mobile, or a landline in ``area_code``."""
    while True:
        if area_code is None:
            digits = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
            raw = rng.choice((digits, f"{digits[:3]} {digits[3:7]} {digits[7:]}"))
        else:
            raw = f"0{area_code}-{rng.choice('2345678')}{rng.randrange(10**7):07d}"
        try:
            e164 = normalise(raw, "CN")
        except InvalidPhoneError:
            continue
        if e164 not in taken:
            taken.add(e164)
            return raw


def _person(rng: random.Random, taken: set[str]) -> tuple[dict[str, Any], int]:
    province, city, region, area, streets = rng.choices(CITIES, CITY_WEIGHTS)[0]
    if rng.random() < 0.08:
        given, family, gender, language = rng.choice(LATIN_NAMES)
        name, handle = f"{given} {family}", f"{given}.{family}".lower()
    else:
        (surname, surname_py), (given_cn, given_py, gender) = (
            rng.choice(SURNAMES),
            rng.choice(GIVEN_NAMES),
        )
        name, handle, language = surname + given_cn, f"{given_py}.{surname_py}", "zh"
    level = rng.choices((1, 2, 3, 4, 5), LEVEL_WEIGHTS)[0]
    phones = [_phone(rng, taken)]
    if rng.random() < 0.25:
        phones.append(_phone(rng, taken, area_code=area))
    fields: dict[str, Any] = {
        "name": name, "gender": gender, "language": language, "level": level,
        "birthday": date(rng.randint(1958, 2003), rng.randint(1, 12), rng.randint(1, 28)),
        "phones": phones, "province": province, "city": city, "region": region,
        "address": f"{city}{rng.choice(streets)} {rng.randint(1, 1800)} 号",
        "education": rng.choice(EDUCATION), "income_band": rng.choice(INCOME),
        "job_title": rng.choice(JOBS), "owner": rng.choice(OWNERS),
        "customer_category": rng.choice(("retail", "retail", "vip")),
        "product_interest": rng.choice(CATEGORIES),
        "custom_fields": {
            "wechat": f"wxid_{handle.replace('.', '')}{rng.randint(10, 9999)}",
            "preferred_store": rng.choice(STORES), "newsletter": rng.random() < 0.6,
        },
    }  # fmt: skip
    if rng.random() < 0.6:
        domain = rng.choice(("qq.com", "163.com", "126.com", "gmail.com", "outlook.com"))
        fields["email"] = f"{handle}{rng.randint(1, 99)}@{domain}"
    return fields, level


def _organisation(rng: random.Random, taken: set[str]) -> tuple[dict[str, Any], int]:
    province, city, region, area, streets = rng.choices(CITIES, CITY_WEIGHTS)[0]
    name = f"{city.removesuffix('市')}{rng.choice(ORG_WORDS)}{rng.choice(ORG_TRADES)}有限公司"
    contact = rng.choice(SURNAMES)[0] + rng.choice(GIVEN_NAMES)[0]
    level = rng.choices((1, 2, 3, 4, 5), (20, 30, 25, 15, 10))[0]
    credit_code = "91" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(16))
    fields: dict[str, Any] = {
        "kind": MemberKind.ORGANISATION.value, "name": name, "level": level,
        "phones": [_phone(rng, taken, area_code=area), _phone(rng, taken)],
        "province": province, "city": city, "region": region,
        "address": f"{city}{rng.choice(streets)} {rng.randint(1, 999)} 号 {rng.randint(2, 30)} 楼",
        "owner": rng.choice(OWNERS), "customer_category": "corporate",
        "product_interest": rng.choice(CATEGORIES), "purchase_intent": "年度员工福利采购",
        "custom_fields": {"credit_code": credit_code, "contact_person": contact},
    }  # fmt: skip
    return fields, level


def plan_members(rng: random.Random, count: int, now: datetime) -> list[MemberPlan]:
    """``count`` members joined over the :data:`HISTORY_DAYS` before ``now``, in order."""
    taken: set[str] = set()
    start = now - timedelta(days=HISTORY_DAYS)
    moments = sorted(between(rng, start, now - timedelta(days=3)) for _ in range(count))
    plans = []
    for index, registered_at in enumerate(moments):
        organisation = rng.random() < 0.1
        fields, level = _organisation(rng, taken) if organisation else _person(rng, taken)
        fields["member_type"] = TYPE_BY_LEVEL[level]
        if rng.random() < 0.3:
            fields["external_ref"] = f"POS-{index + 1:06d}"
        referrer = rng.randrange(index) if index > 5 and rng.random() < 0.12 else None
        kind = MemberKind.ORGANISATION if organisation else MemberKind.INDIVIDUAL
        phones = [normalise(raw, "CN") for raw in fields["phones"]]
        plans.append(MemberPlan(index, registered_at, kind, level, fields, phones, referrer))
    return plans


def order_fields(rng: random.Random, plan: MemberPlan, at: datetime, ref: str) -> dict[str, Any]:
    """An order of the member's at ``at``: one to three lines, often of a favourite kind."""
    favourite = plan.fields.get("product_interest")
    lines = []
    for _ in range(rng.choices((1, 2, 3), (60, 30, 10))[0]):
        pool = [p for p in PRODUCTS if p[2] == favourite] if rng.random() < 0.5 else PRODUCTS
        code, name, category, price = rng.choice(pool)
        quantity = 1 if rng.random() < 0.8 else rng.randint(2, 4)
        if plan.kind is MemberKind.ORGANISATION:
            quantity *= rng.choice((1, 5, 10))
        discount = rng.choice((100, 100, 100, 95, 90, 88))
        amount = Decimal(price * 100 * quantity * discount // 100).scaleb(-2)
        lines.append(
            {"product_code": code, "product_name": name, "category": category,
             "quantity": quantity, "amount": str(amount)}
        )  # fmt: skip
    channel = rng.choice(CHANNELS)
    return {"order_ref": ref, "ordered_at": at, "lines": lines, "channel": channel}


def _chip_uid(rng: random.Random, taken: set[str]) -> str:
    """A 7-byte NXP UID (starts 04) or a 4-byte one, never seen before."""
    while True:
        size = 7 if rng.random() < 0.6 else 4
        head = "04" if size == 7 else ""
        uid = head + "".join(f"{rng.randrange(256):02X}" for _ in range(size - len(head) // 2))
        if uid not in taken:
            taken.add(uid)
            return uid


def plan_cards(rng: random.Random, plans: list[MemberPlan], now: datetime) -> list[CardOp]:
    """Cards for most members; some lost, some replaced; blank stock, two misprints."""
    uids: set[str] = set()
    serial = 100
    ops: list[CardOp] = []

    def new_card(card_type: str) -> tuple[str, str]:
        nonlocal serial
        serial += rng.randint(1, 3)
        return f"{CARD_PREFIX[card_type]}-{serial:06d}", _chip_uid(rng, uids)

    for plan in plans:
        if rng.random() < 0.1:
            continue
        card_type = plan.fields["member_type"]
        number, uid = new_card(card_type)
        bound = plan.registered_at + timedelta(minutes=rng.randint(5, 90))
        issued = bound - timedelta(days=rng.randint(1, 20))
        ops.append(CardOp(issued, "issue", number, uid=uid, card_type=card_type))
        ops.append(CardOp(bound, "bind", number, member=plan.index))
        fate, latest = rng.random(), now - timedelta(days=12)
        if fate < 0.10 and bound + timedelta(days=10) < latest:
            at = between(rng, bound + timedelta(days=10), latest)
            new_number, new_uid = new_card(card_type)
            if fate < 0.07:
                ops.append(CardOp(at, "lost", number))
                if rng.random() < 0.6:
                    at += timedelta(days=rng.randint(1, 10))
                    ops.append(CardOp(at, "replace", number, uid=new_uid, new_card=new_number))
            else:  # damaged: replaced while still active
                ops.append(CardOp(at, "replace", number, uid=new_uid, new_card=new_number))
    for blank in range(12):
        card_type = rng.choice(("standard", "silver", "gold"))
        number, uid = new_card(card_type)
        at = now - timedelta(days=rng.randint(2, 40), minutes=rng.randint(0, 600))
        ops.append(CardOp(at, "issue", number, uid=uid, card_type=card_type))
        if blank < 2:  # misprinted
            ops.append(CardOp(at + timedelta(hours=1), "cancel", number))
    return sorted(ops, key=lambda op: op.at)


__all__ = ["HISTORY_DAYS", "CardOp", "MemberPlan", "between", "order_fields", "plan_cards",
           "plan_members"]  # fmt: skip
