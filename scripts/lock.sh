#!/usr/bin/env bash
# Write the lock files from pyproject.toml: requirements/dev.txt (the app, its tests and tools:
# what make installs) and requirements/base.txt (the app alone: what the Dockerfile installs),
# every package pinned with its hashes. `scripts/lock.sh --upgrade` moves every pin to the
# newest release that pyproject.toml's ranges allow; without it, pins stay where they are unless
# pyproject.toml asks otherwise. base.txt is constrained by dev.txt, so both pin the same versions.
set -euo pipefail
cd "$(dirname "$0")/.."
compile=(.venv/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-find-links
  --no-emit-index-url --no-emit-trusted-host --allow-unsafe "$@")
CUSTOM_COMPILE_COMMAND="make lock" "${compile[@]}" --extra dev -o requirements/dev.txt pyproject.toml
CUSTOM_COMPILE_COMMAND="make lock" "${compile[@]}" --constraint requirements/dev.txt \
  -o requirements/base.txt pyproject.toml
