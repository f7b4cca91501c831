"""The full schema: importing this module registers every CRM table on ``Base.metadata``."""

from __future__ import annotations

from crm_core.activities import models as _activity_models
from crm_core.calls import models as _call_models
from crm_core.campaigns import models as _campaign_models
from crm_core.db.base import Base
from crm_core.knowledge import models as _knowledge_models
from crm_core.leases import models as _lease_models
from crm_core.loyalty import models as _loyalty_models
from crm_core.members import models as _member_models
from crm_core.orders import models as _order_models
from crm_core.queue_log import models as _queue_log_models
from crm_core.recording_index import models as _recording_models
from crm_core.selfservice import models as _selfservice_models
from crm_core.service_desk import models as _service_desk_models
from crm_core.staff import models as _staff_models
from crm_core.supervision import models as _supervision_models
from crm_core.surveys import models as _survey_models

metadata = Base.metadata
MODEL_MODULES = (
    _member_models,
    _order_models,
    _loyalty_models,
    _staff_models,
    _call_models,
    _service_desk_models,
    _survey_models,
    _activity_models,
    _knowledge_models,
    _supervision_models,
    _recording_models,
    _selfservice_models,
    _campaign_models,
    _queue_log_models,
    _lease_models,
)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic name filter: leave out tables the migrations manage by hand (search indexes)."""
    return not (type_ == "table" and name in metadata.info.get("unmanaged_tables", ()))
