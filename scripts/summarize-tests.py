#!/usr/bin/python3
"""Count test cases across meson test logs and print 'N passed, N failed'.

Each meson test is a TAP executable (one line per case), a Python unittest
file (its 'Ran N tests' / 'FAILED (...)' summary) or a plain test (one
case). A test meson reports as failed or timed out with fewer failures
counted inside still counts at least one failure."""
import json
import re
import sys


def count_tap(text):
    passed = failed = skipped = 0
    for line in text.splitlines():
        if re.match(r"^not ok\b", line):
            failed += 1
        elif re.match(r"^ok\b", line):
            if "# SKIP" in line.upper():
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped


def count_unittest(text):
    m = re.findall(r"^Ran (\d+) tests? in", text, re.M)
    if not m:
        return None
    ran = int(m[-1])
    failed = skipped = 0
    f = re.findall(r"^FAILED \((.*)\)", text, re.M)
    if f:
        for part in f[-1].split(","):
            k, _, v = part.strip().partition("=")
            if k in ("failures", "errors", "unexpected successes"):
                failed += int(v)
            elif k == "skipped":
                skipped += int(v)
    ok = re.findall(r"^OK \((.*)\)", text, re.M)
    if ok:
        for part in ok[-1].split(","):
            k, _, v = part.strip().partition("=")
            if k == "skipped":
                skipped += int(v)
    return ran - failed - skipped, failed, skipped


def main(paths):
    total_p = total_f = total_s = 0
    for path in paths:
        with open(path) as fh:
            for line in fh:
                if not line.strip():
                    continue
                t = json.loads(line)
                out = (t.get("stdout") or "") + "\n" + (t.get("stderr") or "")
                result = t.get("result", "")
                if t.get("protocol") == "tap" or re.search(r"^1\.\.\d+", out, re.M):
                    p, f, s = count_tap(t.get("stdout") or "")
                else:
                    c = count_unittest(out)
                    if c is None:
                        p, f, s = (1, 0, 0) if result == "OK" else ((0, 0, 1) if result == "SKIP" else (0, 1, 0))
                    else:
                        p, f, s = c
                if result not in ("OK", "SKIP", "EXPECTEDFAIL") and f == 0:
                    f = 1
                    print("summary: %s (%s) failed: %s" % (t.get("name"), path, result), file=sys.stderr)
                total_p += p
                total_f += f
                total_s += s
    line = "%d passed, %d failed" % (total_p, total_f)
    if total_s:
        line += ", %d skipped" % total_s
    print(line)
    return 1 if total_f else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
