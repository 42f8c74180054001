# The two commands a newcomer needs: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: setup demo test bench soak lint clean-lab

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/demo.sh

test: setup
	@$(PY) -m pytest

# The long chaos soak: writers on, random faults, prints faults injected, writes acknowledged and lost.
soak: setup
	@DCC_SOAK_ROUNDS=$${ROUNDS:-10} $(PY) -m pytest tests/integration/migrate/test_chaos_soak.py -s -q -p no:randomly

bench: setup
	@bash bench/run_all.sh $(BENCH)

lint: setup
	@.venv/bin/ruff check migration stacks tests bench scripts
	@.venv/bin/mypy migration stacks scripts
	@shellcheck -S warning $$(git ls-files '*.sh')
	@cd playbooks && ../.venv/bin/ansible-lint --profile production

clean-lab: setup
	@.venv/bin/dcc lab down lab
	@.venv/bin/dcc lab down vendor
