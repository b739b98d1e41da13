#!/bin/sh
# Run the libFuzzer targets of tests/fuzz (the parsers of untrusted input).
#
#   scripts/fuzz.sh [-b BUILDDIR] [-r RUNS] [-t SECONDS] [-j] [TARGET...]
#
# Default: a long campaign, every target (or the ones named: "xml" or
# "fuzz-xml"), ONE AFTER THE OTHER at nice 19, each until RUNS executions
# (default 10000000) or SECONDS (default: no limit). Each target grows
# its own corpus in BUILDDIR/fuzz-work/TARGET (kept between campaigns,
# seeded from tests/fuzz/corpus/TARGET); crash inputs go to
# BUILDDIR/fuzz-crashes/. The build directory (default build-fuzz) is set
# up with clang and -Dfuzz=true when missing, and the targets rebuilt.
#
#   scripts/fuzz.sh -q SECONDS TARGET_EXE
#
# Quick check (the `fuzz` meson suite, run by scripts/test.sh): one
# built target for SECONDS on a throwaway copy of its seeds.
#
# Prints one line per target: executions, coverage (libFuzzer's cov:
# and ft:), crashes, time and rate. Exits non-zero when a target
# crashed, leaked or hit undefined behaviour; reproduce with
# `BUILDDIR/tests/fuzz/fuzz-T CRASH-FILE`.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
# A 32 MB quarantine (ASan's default: 256) still holds every block one
# input frees many times over (inputs are at most a few KB), so a use
# after free within an execution is caught as before; with 256 MB each
# libyaml or libxml2 parser's buffers came from fresh pages and the
# YAML targets ran at half the rate.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:quarantine_size_mb=32}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

# Runs one target: $1 its name, $2 the log, then the command (the target
# and its libFuzzer options and corpus dirs). Prints the summary line;
# returns libFuzzer's status.
run_target() {
	name=$1; log=$2; shift 2
	start=$(date +%s)
	rc=0
	"$@" -print_final_stats=1 >"$log" 2>&1 || rc=$?
	secs=$(( $(date +%s) - start ))
	executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
	crashes=$(grep -c '^Test unit written to\|^artifact_prefix=.*Test unit written to' "$log" || true)
	printf '%s: %s runs, %s, %s crashes, %s s (%s exec/s)%s\n' "$name" "${executed:-?}" \
		"${cov:-cov: ?}" "$crashes" "$secs" "${rate:-?}" \
		"$([ "$rc" = 0 ] || echo ", FAILED (exit $rc, log $log)")"
	return "$rc"
}

if [ "${1:-}" = "-q" ]; then
	[ $# = 3 ] || { echo "usage: $0 -q SECONDS TARGET_EXE" >&2; exit 2; }
	seconds=$2; exe=$3
	name=$(basename "$exe")
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir "$tmp/corpus"
	cp "$src/tests/fuzz/corpus/${name#fuzz-}/"* "$tmp/corpus/" 2>/dev/null || true
	if run_target "$name" "$tmp/log" "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$tmp/" "$tmp/corpus"; then
		exit 0
	fi
	# meson shows the failure: the report and the input that caused it
	grep -v '^#[0-9]' "$tmp/log" | tail -n 60 >&2
	for f in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$tmp"/oom-*; do
		[ -f "$f" ] && { echo "input $(basename "$f") (base64):" >&2; base64 "$f" >&2; }
	done
	exit 1
fi

build="build-fuzz"
runs=10000000
seconds=0
while getopts b:r:t: opt; do
	case $opt in
	b) build=$OPTARG ;;
	r) runs=$OPTARG ;;
	t) seconds=$OPTARG ;;
	*) sed -n '2,26p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
cd "$src"

targets="$*"
if [ -z "$targets" ]; then
	targets=$(sed -n "/^fuzz_targets = \[/,/^\]/s/^ *'\([a-z0-9-]*\)',*$/\1/p" tests/fuzz/meson.build)
fi

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true --buildtype=debugoptimized >/dev/null
fi
if ! out=$(nice -n 19 ninja -C "$build" fuzz 2>&1); then
	printf '%s\n' "$out" >&2
	echo "fuzz.sh: building the fuzz targets failed" >&2
	exit 1
fi

status=0
mkdir -p "$build/fuzz-crashes"
for t in $targets; do
	t=${t#fuzz-}
	work="$build/fuzz-work/$t"
	mkdir -p "$work"
	limit=""
	[ "$seconds" = 0 ] || limit="-max_total_time=$seconds"
	# shellcheck disable=SC2086
	run_target "fuzz-$t" "$build/fuzz-work/$t.log" nice -n 19 "$build/tests/fuzz/fuzz-$t" \
		-runs="$runs" $limit -timeout=10 -rss_limit_mb=2048 -reload=0 \
		-artifact_prefix="$build/fuzz-crashes/$t-" "$work" "tests/fuzz/corpus/$t" || status=1
done
exit $status
