#!/usr/bin/env bash
# Makes a plain git remote from examples/hello/repo, for trying ABCA without GitHub.
# Usage: examples/hello/make-remote.sh [target]   (default: $ABCA_HOME/examples/hello.git)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:-${ABCA_HOME:-$HOME/.abca}/examples/hello.git}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/repo/." "$work/"
git -C "$work" init -q -b main
git -C "$work" -c user.name=ABCA -c user.email=abca@localhost add -A
git -C "$work" -c user.name=ABCA -c user.email=abca@localhost commit -q -m "Initial commit"
rm -rf "$target"
mkdir -p "$(dirname "$target")"
git clone -q --bare "$work" "$target"
echo "$target"
