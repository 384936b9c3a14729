#!/usr/bin/env bash
# apt-install.sh <tag> <package...>: installs Debian packages as root, or through sudo, for the
# scripts/*-env.sh that prepare the test machines. Needs root (or sudo) the first time.
set -euo pipefail
tag=$1
shift
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "[$tag] need root to install: $*" >&2; exit 1; }
  SUDO="sudo -n"
fi
echo "[$tag] installing Debian packages: $*" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq </dev/null >&2
$SUDO apt-get install -y -qq --no-install-recommends "$@" </dev/null >&2
