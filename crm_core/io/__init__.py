"""Moving CRM data in and out of files (CSV import and export)."""

from __future__ import annotations

from crm_core.io.members_csv import COLUMNS, BadRow, ImportReport, Progress, import_members
from crm_core.io.members_export import export_members

__all__ = ["COLUMNS", "BadRow", "ImportReport", "Progress", "export_members", "import_members"]
