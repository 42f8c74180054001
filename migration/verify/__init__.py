"""Host checks the pipeline runs after each move (product code, not tests).

`verify_move(move, access, expected)` runs the archetype's testinfra checks on the targets
and returns one `CheckResult` per check; the orchestrator stores them as evidence.
"""

from migration.verify.checks import CheckResult, Database, Expected, Target, verify_guarded, verify_move

__all__ = ["CheckResult", "Database", "Expected", "Target", "verify_guarded", "verify_move"]
