#!/bin/sh
# Build an optimised irsactl (as bench.sh does) and print the figures of
# `irsactl apply -f` at scale (scripts/bench-apply.py: 100 service accounts,
# 20 ms per AWS request). Figures only; nothing here passes or fails.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
if [ -d build-bench ]; then
	meson setup --reconfigure build-bench >/dev/null
else
	meson setup build-bench --buildtype=release >/dev/null
fi
ninja -C build-bench >/dev/null
exec /usr/bin/python3 scripts/bench-apply.py "$PWD/build-bench/src/cli/irsactl" "$@"
