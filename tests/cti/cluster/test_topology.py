"""What a node may start as, and the bus's subject names (no servers needed)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from crm_core.wiring import Crm
from cti.cluster import subjects
from cti.cluster.topology import TopologyError, check_topology
from cti.service import CtiService
from cti.settings import (
    DatabaseSettings,
    NatsSettings,
    NodeSettings,
    Settings,
    SettingsError,
    load_settings,
)


async def test_the_default_is_a_single_node_with_every_role_and_no_bus(crm: Crm) -> None:
    settings = load_settings(environ={})
    assert settings.node.role_set() == {"edge", "gateway", "worker"}
    assert settings.nats.url == ""
    service = CtiService(settings, crm=crm)
    assert service.cluster is None and service.is_edge


def test_roles_come_from_the_environment_as_a_comma_separated_list() -> None:
    settings = load_settings(environ={"CTIDESK_NODE_ROLES": "edge, gateway"})
    assert settings.node.roles == ("edge", "gateway")


@pytest.mark.parametrize(
    ("roles", "problem"),
    [
        ("edge,bogus", "node.roles: unknown role 'bogus'"),
        ("edge,edge", "node.roles: a role is listed twice"),
    ],
)
def test_a_bad_list_of_roles_is_refused_naming_the_setting(roles: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        load_settings(environ={"CTIDESK_NODE_ROLES": roles})


def test_an_empty_list_of_roles_is_refused() -> None:
    with pytest.raises(ValidationError, match='give "all" or at least one of edge, gateway'):
        NodeSettings.model_validate({"roles": []})


def test_some_roles_without_a_bus_are_refused() -> None:
    settings = Settings(node=NodeSettings(roles=("gateway",)))
    with pytest.raises(TopologyError, match=r"node.roles = \['gateway'\]: .* set nats.url"):
        check_topology(settings)


def test_a_worker_alone_is_accepted_it_runs_the_singletons() -> None:
    settings = Settings(
        node=NodeSettings(roles=("worker",)),
        nats=NatsSettings(url="nats://127.0.0.1:4222"),
        database=DatabaseSettings(url="postgresql+asyncpg://ctidesk@127.0.0.1/ctidesk"),
    )
    check_topology(settings)


def test_several_nodes_on_sqlite_are_refused() -> None:
    settings = Settings(
        database=DatabaseSettings(url="sqlite+aiosqlite:///crm.db"),
        nats=NatsSettings(url="nats://127.0.0.1:4222"),
    )
    with pytest.raises(TopologyError, match=r"database\.url: several nodes share one PostgreSQL"):
        check_topology(settings)


@pytest.mark.parametrize("text", ["agent1", "li.na", "王芳", "a b", "*", ">", "~x"])
def test_any_login_is_one_subject_token_and_comes_back_unchanged(text: str) -> None:
    token = subjects.token(text)
    assert all(c.isascii() and (c.isalnum() or c in "_-~") for c in token)
    assert subjects.untoken(token) == text


@pytest.mark.parametrize(
    ("call_id", "owner"),
    [
        ("pbx2-1765000000.12", "pbx2"),
        ("site-a_pbx-1765000000.1", "site-a_pbx"),
        ("1765000000.12", None),  # an Asterisk without a systemname
        ("dial", None),
    ],
)
def test_a_call_id_names_the_asterisk_it_comes_from(call_id: str, owner: str | None) -> None:
    assert subjects.owner_of(call_id) == owner
