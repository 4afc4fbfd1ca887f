#!/usr/bin/env bash
# Idempotent environment setup for kexue_viz.
#   - creates .venv (python3) in the repo root if missing
#   - installs the pinned CPU torch wheel first (never let pip resolve plain `torch`)
#   - installs the package editable with the infomap, peers, test and notebook extras
#   - installs the peer libraries that depend on torch (k-diffusion, torchdiffeq, ...) with
#     --no-deps, so pip never resolves torch or torchvision (a multi-GB CUDA download)
#   - installs Chromium and a CJK font via apt when running as root
# Fast when already set up: the editable install is skipped while
# .venv/.kexue_viz_stamp is newer than pyproject.toml and this script.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TORCH_VERSION="${KEXUE_VIZ_TORCH_VERSION:-2.13.0}"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STAMP="$VENV/.kexue_viz_stamp"
# peers the cross-checks compare against whose own requirements name torch/torchvision:
# k-diffusion's samplers (loaded without its training stack), torchdiffeq's dopri5, lucidrains'
# rotary-embedding-torch (RoPE cross-check)
PEERS_NO_DEPS=(k-diffusion==0.1.1.post1 torchsde==0.2.6 trampoline==0.1.2 torchdiffeq==0.2.5
               safetensors==0.8.0 tqdm rotary-embedding-torch==0.9.1 einops)

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
if [ -f "$STAMP" ] && [ "$STAMP" -nt pyproject.toml ] && [ "$STAMP" -nt scripts/setup.sh ] \
        && "$PY" -c 'import importlib.util as u; assert u.find_spec("kexue_viz")' >/dev/null 2>&1; then
    log "kexue_viz installed (stamp newer than pyproject.toml)"
else
    log "installing kexue_viz[infomap,peers,test,notebook] (editable)"
    "$PY" -m pip install -q -e ".[infomap,peers,test,notebook]"
    log "installing torch-dependent peers without dependencies: ${PEERS_NO_DEPS[*]}"
    "$PY" -m pip install -q --no-deps "${PEERS_NO_DEPS[@]}"
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
