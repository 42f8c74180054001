"""One module per CLI verb (or verb group).

Each module defines `register(app: typer.Typer) -> None`. `cli.py` discovers the
modules here, so adding a verb never edits a shared list. Heavy imports (paramiko,
ansible_runner, boto3, pulumi) stay inside the command functions to keep `dcc --help` fast.
"""
