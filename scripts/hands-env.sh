#!/usr/bin/env bash
# What the hands tests need from Debian: Python 3 with matplotlib (figures captured as PNG) and
# pandas (a DataFrame shown as a table) for the REPL, and zsh and fish, the shells besides bash
# whose command lines the terminal named "Parley" is given. The tests look for it in PARLEY_PYTHON, python3 on PATH
# (which may be a pyenv shim without it) and /usr/bin/python3, the interpreter this installs it for. Installs only what is missing; fast when
# everything is there. Needs root (or sudo) the first time.
set -euo pipefail

python_ready=false
for python in "${PARLEY_PYTHON:-}" python3 /usr/bin/python3; do
  [ -n "$python" ] && "$python" -c 'import matplotlib, pandas' >/dev/null 2>&1 && python_ready=true && break
done
$python_ready && [ -x /usr/bin/zsh ] && [ -x /usr/bin/fish ] && exit 0
exec bash "$(dirname "$0")/apt-install.sh" hands-env python3 python3-matplotlib python3-pandas zsh fish
