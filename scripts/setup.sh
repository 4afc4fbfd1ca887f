#!/usr/bin/env bash
# Idempotent environment setup for kexue_viz.
#   - creates .venv (python3) in the repo root if missing
#   - installs the pinned CPU torch wheel first (never let pip resolve plain `torch`)
#   - installs the package editable with the infomap, test and notebook extras
#   - installs Chromium and a CJK font via apt when running as root
# Fast when already set up: the editable install is skipped while
# .venv/.kexue_viz_stamp is newer than pyproject.toml.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TORCH_VERSION="${KEXUE_VIZ_TORCH_VERSION:-2.13.0}"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STAMP="$VENV/.kexue_viz_stamp"

log() { echo "[setup] $*"; }

# 1. virtual environment
if [ ! -x "$PY" ]; then
    log "creating virtual environment in .venv"
    python3 -m venv "$VENV"
    "$PY" -m pip install -q --upgrade pip
else
    log ".venv present"
fi

# 2. torch (pinned CPU build) before anything that depends on it
# (find_spec + metadata instead of `import torch`: importing torch takes seconds)
if TV="$("$PY" -c 'import importlib.util as u, importlib.metadata as m; assert u.find_spec("torch"); print(m.version("torch"))' 2>/dev/null)"; then
    log "torch present ($TV)"
else
    log "installing torch==$TORCH_VERSION"
    "$PY" -m pip install -q "torch==$TORCH_VERSION"
fi

# 3. the package itself, editable, with extras
if [ -f "$STAMP" ] && [ "$STAMP" -nt pyproject.toml ] \
        && "$PY" -c 'import importlib.util as u; assert u.find_spec("kexue_viz")' >/dev/null 2>&1; then
    log "kexue_viz installed (stamp newer than pyproject.toml)"
else
    log "installing kexue_viz[infomap,peers,test,notebook] (editable)"
    "$PY" -m pip install -q -e ".[infomap,peers,test,notebook]"
    touch "$STAMP"
fi

# 4. system packages: chromium (browser tests) and a CJK font (matplotlib export)
missing=()
if [ ! -x /usr/bin/chromium ]; then
    missing+=(chromium)
fi
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    missing+=(fonts-wqy-microhei)
fi
if [ "${#missing[@]}" -eq 0 ]; then
    log "system packages present (chromium, CJK font)"
elif [ "$(id -u)" -eq 0 ]; then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" fontconfig >/dev/null
    if [[ " ${missing[*]} " == *" fonts-wqy-microhei "* ]]; then
        fc-cache -f >/dev/null 2>&1 || true
        # matplotlib caches its font list; drop it so the new font is seen
        rm -rf "${HOME:-/root}/.cache/matplotlib" 2>/dev/null || true
    fi
else
    log "not root: please install these Debian packages yourself:"
    log "    sudo apt-get install -y ${missing[*]}"
fi

log "done"
