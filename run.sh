#!/usr/bin/env bash
# Set up crmdesk (first run only: creates .venv and installs) and start it.
# Arguments go to the crmdesk command:
#   ./run.sh              the desktop application
#   ./run.sh init         create a database from the command line
#   ./run.sh search anna  any other command (see ./run.sh --help)
# CRMDESK_SETUP_ONLY=1 ./run.sh  sets up without starting (test.sh uses it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "crmdesk needs Python 3.11 or newer (found: $("$python" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating $venv ..." >&2
  "$python" -m venv "$venv"
fi
stamp="$venv/.crmdesk-installed"
if [ ! -f "$stamp" ] || [ "$here/pyproject.toml" -nt "$stamp" ]; then
  echo "Installing crmdesk and its dependencies into $venv (first run only) ..." >&2
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet -e "$here[test]" >&2
  touch "$stamp"
fi
[ "${CRMDESK_SETUP_ONLY:-0}" = 1 ] && exit 0
exec "$venv/bin/crmdesk" "$@"
