#!/usr/bin/env bash
# Set up (first run only, through run.sh) and run every check: ruff, the layer
# contracts (import-linter) and the whole pytest suite (core, CLI, offscreen GUI).
# Extra arguments go to pytest, e.g. ./test.sh -k search
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
CRMDESK_SETUP_ONLY=1 ./run.sh
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
echo "== ruff"
.venv/bin/ruff check src tests
.venv/bin/ruff format --check src tests
echo "== import contracts"
.venv/bin/lint-imports
echo "== pytest"
# One worker per CPU (pytest-xdist); a module's tests stay on one worker so its
# servers and databases are built once. CRMDESK_TEST_WORKERS=0 runs in this process.
.venv/bin/python -m pytest -n "${CRMDESK_TEST_WORKERS:-auto}" --dist loadscope "$@"
