"""Request priority (1 urgent … 4 low) derived from the member's level and the request type.

The table lives in ``service_priority_rules`` (seeded with :data:`DEFAULT_PRIORITY_TABLE`
by the migration, changed by supervisors); this module holds the pure rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from crm_core.service_desk.kinds import RequestType

URGENT, HIGH, NORMAL, LOW = 1, 2, 3, 4
PRIORITY_NAMES: Final = MappingProxyType(
    {URGENT: "urgent", HIGH: "high", NORMAL: "normal", LOW: "low"}
)
FALLBACK_PRIORITY: Final = NORMAL
MEMBER_LEVELS: Final = range(1, 6)

PriorityTable = Mapping[tuple[RequestType, int], int]

_BY_LEVEL: dict[RequestType, tuple[int, int, int, int, int]] = {
    # member level:          1-star  2      3       4       5-star
    RequestType.COMPLAINT: (NORMAL, HIGH, HIGH, URGENT, URGENT),
    RequestType.REPAIR: (NORMAL, NORMAL, HIGH, HIGH, URGENT),
    RequestType.EXCHANGE: (NORMAL, NORMAL, NORMAL, HIGH, HIGH),
    RequestType.ENQUIRY: (LOW, LOW, NORMAL, NORMAL, HIGH),
    RequestType.SUGGESTION: (LOW, LOW, LOW, NORMAL, NORMAL),
}
DEFAULT_PRIORITY_TABLE: Final[PriorityTable] = MappingProxyType(
    {
        (request_type, level): priorities[level - 1]
        for request_type, priorities in _BY_LEVEL.items()
        for level in MEMBER_LEVELS
    }
)
"""The seeded defaults: e.g. a five-star member's complaint is urgent."""


def derive_priority(table: PriorityTable, request_type: RequestType, member_level: int) -> int:
    """The priority the table gives; the built-in default where the table has no row."""
    key = (request_type, member_level)
    return table.get(key, DEFAULT_PRIORITY_TABLE.get(key, FALLBACK_PRIORITY))
