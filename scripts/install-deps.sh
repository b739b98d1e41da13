#!/bin/sh
# Install what irsactl needs to build, test and demo on Debian 12 (as root).
# Idempotent: does nothing when everything is there already.
set -eu

PACKAGES="gcc meson ninja-build pkg-config scdoc
libcurl4-openssl-dev libssl-dev libjansson-dev libyaml-dev libxml2-dev
python3 python3-botocore python3-yaml python3-ruamel.yaml python3-cryptography awscli openssl valgrind ca-certificates curl faketime time
clang libclang-rt-14-dev"
# clang and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes of
# Debian 12's clang 14) build the fuzz targets (tests/fuzz, scripts/fuzz.sh).

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# kubectl: the image may ship one; Debian's kubernetes-client otherwise
# (installing it over another kubectl would conflict on /usr/bin/kubectl).
command -v kubectl >/dev/null 2>&1 || missing="$missing kubernetes-client"

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing packages:$missing; run this as root (or install them)" >&2
		exit 1
	fi
	echo "install-deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
