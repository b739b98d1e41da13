#!/bin/sh
# The whole IRSA setup, end to end, against the bundled local emulators:
# installs what is needed (Debian 12, as root), builds irsactl, starts the
# AWS and Kubernetes emulators on loopback and runs the commands a user
# would, printing what they print.
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
if [ -d build-demo ]; then
	meson setup --reconfigure build-demo >/dev/null
else
	meson setup build-demo --buildtype=release >/dev/null
fi
ninja -C build-demo >/dev/null
exec /usr/bin/python3 scripts/demo.py "$PWD/build-demo/src/cli/irsactl"
