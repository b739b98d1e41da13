#!/bin/sh
# Build an optimised irsactl and print timings and request counts
# (startup, whoami, the IRSA flow first and second run) against the local
# emulators. Figures only; nothing here passes or fails on speed.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
if [ -d build-bench ]; then
	meson setup --reconfigure build-bench >/dev/null
else
	meson setup build-bench --buildtype=release >/dev/null
fi
ninja -C build-bench >/dev/null
exec /usr/bin/python3 scripts/bench.py "$PWD/build-bench/src/cli/irsactl" "$@"
