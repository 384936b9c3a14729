#!/usr/bin/env bash
# The offline speech programs the voice tests use, from Debian: espeak-ng (the `system` voice),
# pocketsphinx with its US English model (the `offline` recognizer), sox, and alsa-utils (arecord,
# the recorder native capture runs), and GCC's OpenMP runtime (libgomp1), which whisper.cpp's
# linux-x64 addon links (the local recognizer). Installs only what is missing; fast when everything is
# there. Needs root (or sudo) the first time.
set -euo pipefail

missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v sox >/dev/null 2>&1 || missing+=(sox)
command -v arecord >/dev/null 2>&1 || missing+=(alsa-utils)
command -v pocketsphinx_continuous >/dev/null 2>&1 || missing+=(pocketsphinx)
[ -d /usr/share/pocketsphinx/model/en-us ] || missing+=(pocketsphinx-en-us)
ldconfig -p 2>/dev/null | grep -q 'libgomp\.so\.1 ' || missing+=(libgomp1)

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
exec bash "$(dirname "$0")/apt-install.sh" voice-env "${missing[@]}"
