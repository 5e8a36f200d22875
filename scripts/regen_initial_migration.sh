#!/usr/bin/env bash
# While nothing is deployed, the initial migration is regenerated from dashboard/store/schema.py.
# After the first release, add new revisions instead (alembic revision --autogenerate).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
tmp=$(mktemp -d)
rm -f dashboard/store/migrations/versions/0001_initial_schema.py
"$PY" - "$tmp" <<'PYEOF'
import sys
from alembic import command
from dashboard.store.db import alembic_config, make_engine
engine = make_engine(f"sqlite:///{sys.argv[1]}/gen.db")
command.revision(alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001")
PYEOF
rm -rf "$tmp"
