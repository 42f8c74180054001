"""The pipeline's state store (journal): runs, steps, evidence and backups in SQL.

SQLite by default (`<estate>/state/dcc.sqlite`), PostgreSQL for teams; the URL decides.
"""

from migration.state.models import STEP_STATUSES, STEPS, BackupRecord, Evidence, RunRecord, StepRecord
from migration.state.store import StateStore

__all__ = ["STEPS", "STEP_STATUSES", "BackupRecord", "Evidence", "RunRecord", "StateStore", "StepRecord"]
