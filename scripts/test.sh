#!/bin/sh
# Install what is needed, build, and run every test:
#   1. the normal build with -Werror: unit tests (C, TAP) and CLI tests
#      (the built irsactl against the local AWS and Kubernetes emulators);
#   2. the same suites under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the unit tests under valgrind;
#   4. the fuzz targets (tests/fuzz, clang + libFuzzer + ASan/UBSan), each
#      run briefly on its seed corpus (scripts/fuzz.sh runs long campaigns).
# Ends with one line "N passed, N failed" over all of them.
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
status=0
logs=""

setup() { # dir, options...
	dir=$1; shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir" >/dev/null
}

echo "== build (werror)" >&2
setup build-test -Dwerror=true --buildtype=debugoptimized
echo "== tests" >&2
meson test -C build-test --num-processes "$jobs" --print-errorlogs --logbase plain || status=1
logs="$logs build-test/meson-logs/plain.json"

echo "== build (address,undefined sanitizers)" >&2
setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug
echo "== tests under sanitizers" >&2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --num-processes "$jobs" --print-errorlogs --logbase asan || status=1
logs="$logs build-asan/meson-logs/asan.json"

echo "== unit tests under valgrind" >&2
meson test -C build-test --suite unit --num-processes "$jobs" --print-errorlogs --logbase valgrind \
	--wrapper 'valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99' || status=1
logs="$logs $(ls build-test/meson-logs/valgrind*.json)"

echo "== build (fuzz targets, clang)" >&2
if [ -d build-fuzz ]; then
	meson setup --reconfigure build-fuzz -Dfuzz=true >/dev/null
else
	CC=clang meson setup build-fuzz -Dfuzz=true --buildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz fuzz >/dev/null
echo "== fuzz targets, 10 s each" >&2
meson test -C build-fuzz --no-rebuild --suite fuzz --num-processes "$jobs" --print-errorlogs \
	--logbase fuzz || status=1
logs="$logs build-fuzz/meson-logs/fuzz.json"

# shellcheck disable=SC2086
/usr/bin/python3 scripts/summarize-tests.py $logs || status=1
exit $status
