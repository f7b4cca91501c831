"""Password rules, argon2id hashing and API token digests (pure, no database)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.staff.exceptions import WeakPasswordError
from crm_core.staff.passwords import (
    MAX_LENGTH,
    PasswordHashing,
    check_password,
    new_token,
    token_digest,
    token_well_formed,
)

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="module")
def hashing() -> PasswordHashing:
    return PasswordHashing(CHEAP)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short7!", "at least 8"),
        ("", "at least 8"),
        ("x" * (MAX_LENGTH + 1), "at most 256"),
        ("          ", "only spaces"),
        ("good pass\nword", "control characters"),
        ("tab\tinside!", "control characters"),
        ("li.na.agent", "cannot be the login"),
        ("LI.NA.AGENT", "cannot be the login"),
    ],
)
def test_passwords_that_break_the_rules_are_refused(password: str, problem: str) -> None:
    with pytest.raises(WeakPasswordError) as caught:
        check_password(password, login="li.na.agent")
    assert problem in caught.value.message
    assert caught.value.error_id == "weak-password"
    if password.strip():
        assert password not in str(caught.value.as_dict())  # the error never repeats it


@pytest.mark.parametrize(
    "password", ["correct horse", "12345678", "密码是八个字符啊", "x" * MAX_LENGTH]
)
def test_passwords_that_follow_the_rules_are_kept(password: str) -> None:
    assert check_password(password, login="li.na") == password


def test_a_hash_is_argon2id_salted_and_verifies(hashing: PasswordHashing) -> None:
    first, second = hashing.hash("correct horse"), hashing.hash("correct horse")
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert first != second  # salted
    assert "correct horse" not in first
    assert hashing.verify(first, "correct horse")
    assert not hashing.verify(first, "correct horsE")
    assert not hashing.verify(first, "")


def test_unicode_is_compared_in_one_normal_form(hashing: PasswordHashing) -> None:
    composed, decomposed = "caf\u00e9-latte", "cafe\u0301-latte"
    assert hashing.verify(hashing.hash(composed), decomposed)


def test_missing_or_malformed_hashes_never_verify(hashing: PasswordHashing) -> None:
    assert not hashing.verify(None, "anything at all")
    assert not hashing.verify("not a hash", "anything at all")
    assert not hashing.verify("$argon2id$v=19$m=1024,t=1,p=1$broken", "anything at all")
    assert not hashing.verify(hashing.hash("x" * MAX_LENGTH), "x" * (MAX_LENGTH + 1))


def test_hashes_made_with_other_parameters_need_a_rehash(hashing: PasswordHashing) -> None:
    stronger = PasswordHashing(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    old = hashing.hash("correct horse")
    assert not hashing.needs_rehash(old)
    assert stronger.needs_rehash(old)
    assert stronger.verify(old, "correct horse")  # old hashes still verify
    assert stronger.needs_rehash("garbage")


def test_only_argon2id_is_accepted() -> None:
    with pytest.raises(ValueError):
        PasswordHashing(PasswordHasher(type=Type.I))
    assert PasswordHashing().hash("correct horse").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


PRINTABLE = st.characters(categories=("L", "N", "P", "S"), include_characters=" ")


@settings(max_examples=25, deadline=None)
@given(st.text(PRINTABLE, min_size=8, max_size=40).filter(lambda p: p.strip() != ""))
def test_any_accepted_password_round_trips(hashing: PasswordHashing, password: str) -> None:
    kept = check_password(password, login="someone")
    stored = hashing.hash(kept)
    assert stored.startswith("$argon2id$") and password not in stored
    assert hashing.verify(stored, password)


def test_tokens_are_random_and_kept_only_as_their_sha256() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) == 43 and token_well_formed(t) for t in tokens)
    token = tokens.pop()
    digest = token_digest(token)
    assert len(digest) == 64 and int(digest, 16) >= 0 and token not in digest
    for bad in ("", "short", "a b" * 10, "x" * 129, "token\r\n" * 4, None, 42):
        assert not token_well_formed(bad)
