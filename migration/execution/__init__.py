"""Pipeline execution: ansible-runner phases, the data path and wave orchestration.

The only package that imports `ansible_runner` (in `runner.py`).
"""
