#!/usr/bin/env bash
# What the REPL tests need from Debian: Python 3 with matplotlib (figures captured as PNG) and
# pandas (a DataFrame shown as a table). The tests look for it in PARLEY_PYTHON, python3 on PATH
# (which may be a pyenv shim without it) and /usr/bin/python3, the interpreter this installs it for. Installs only what is missing; fast when
# everything is there. Needs root (or sudo) the first time.
set -euo pipefail

for python in "${PARLEY_PYTHON:-}" python3 /usr/bin/python3; do
  [ -n "$python" ] && "$python" -c 'import matplotlib, pandas' >/dev/null 2>&1 && exit 0
done
exec bash "$(dirname "$0")/apt-install.sh" hands-env python3 python3-matplotlib python3-pandas
