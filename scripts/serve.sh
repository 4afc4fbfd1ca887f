#!/usr/bin/env bash
# Set up (idempotent, fast when done) and serve every dashboard: scripts/serve.sh [--port N ...]
# Arguments go to `kexue-viz serve` (panel serve apps/*.py with an index page; default port 5006).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
exec .venv/bin/kexue-viz serve "$@"
