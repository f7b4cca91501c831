"""What one posting asks for, its content hash (what idempotency compares), and its checks."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import datetime

from crm_core.loyalty.exceptions import InvalidPointsError
from crm_core.loyalty.models import Operation, Verification

GRANTS = frozenset({Operation.EARN, Operation.BONUS, Operation.GIFT, Operation.ADJUST})
MAX_POINTS_PER_POSTING = 1_000_000_000
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class PostingRequest:
    """Everything one posting says; its hash is what idempotency compares."""

    member_number: str
    operation: Operation
    points: int
    operator: str
    idempotency_key: str
    reason: str | None = None
    item: str | None = None
    order_id: int | None = None
    rule_id: int | None = None
    rule_detail: str | None = None
    granted_at: datetime | None = None
    expires_at: datetime | None = None
    verification: Verification | None = None
    """How the member proved who they are (redemptions); hashed only when given, so the
    hashes of postings made before it existed still match their replays."""

    def content_hash(self) -> str:
        """SHA-256 of the request's content (everything but the key itself)."""
        content: list[object] = [getattr(self, name) for name in _HASHED_FIELDS]
        if self.verification is not None:
            content.append(self.verification.value)
        canonical = json.dumps(content, default=str, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


_HASHED_FIELDS = tuple(
    f.name for f in fields(PostingRequest) if f.name not in ("idempotency_key", "verification")
)


def validate(request: PostingRequest) -> None:
    """Reject postings that make no sense before anything is read or written."""
    if not request.idempotency_key or len(request.idempotency_key) > MAX_KEY_LENGTH:
        raise InvalidPointsError(
            f"an idempotency key of 1 to {MAX_KEY_LENGTH} characters is required",
            idempotency_key=request.idempotency_key,
        )
    if not request.operator.strip():
        raise InvalidPointsError("an operator is required", field="operator")
    if request.points == 0 or abs(request.points) > MAX_POINTS_PER_POSTING:
        raise InvalidPointsError(
            f"points must be non-zero and at most {MAX_POINTS_PER_POSTING:,}",
            points=request.points,
        )
    positive = request.operation in GRANTS and request.operation is not Operation.ADJUST
    negative = request.operation in (Operation.REDEEM, Operation.EXPIRE)
    if (positive and request.points < 0) or (negative and request.points > 0):
        raise InvalidPointsError(
            f"{request.operation.value} postings cannot be {request.points:+d} points",
            points=request.points,
        )
    needs_reason = request.operation in (Operation.GIFT, Operation.ADJUST)
    if needs_reason and not (request.reason and request.reason.strip()):
        raise InvalidPointsError(f"a {request.operation.value} needs a reason", field="reason")
