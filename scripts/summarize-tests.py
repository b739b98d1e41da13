#!/usr/bin/python3
"""Count test cases across meson test logs and print 'N passed, N failed'.

Each meson test is one of:
  - a TAP executable: one case per "ok" / "not ok" line ("# SKIP" is
    skipped, "# TODO" an expected failure);
  - a Python unittest file (tests/test_*.py): its 'Ran N tests' line and
    the ids of its failing tests (FAIL: / ERROR: / UNEXPECTED SUCCESS:
    lines; several failing subTests of one test count once). A file with
    no 'Ran' line, or that ran no test, failed;
  - any other test (demo, fuzz-*): one case.
Expected failures are not passes: they are counted apart. A test meson
reports as failed, timed out or crashed with no failure counted inside
still counts one failure."""
import json
import os
import re
import sys


class Count:
    def __init__(self, passed=0, failed=0, skipped=0, xfail=0):
        self.passed, self.failed, self.skipped, self.xfail = passed, failed, skipped, xfail

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.xfail += other.xfail


def count_tap(text):
    c = Count()
    for line in text.splitlines():
        m = re.match(r"^(not ok|ok)\b[^#]*(#\s*(\w+))?", line)
        if not m:
            continue
        directive = (m.group(3) or "").upper()
        if directive == "SKIP":
            c.skipped += 1
        elif directive == "TODO":
            c.xfail += 1
        elif m.group(1) == "ok":
            c.passed += 1
        else:
            c.failed += 1
    return c


def summary_counts(text, word):
    """{'failures': 2, 'skipped': 1, ...} from the last 'FAILED (...)' or
    'OK (...)' line."""
    found = re.findall(r"^%s \((.*)\)\s*$" % word, text, re.M)
    counts = {}
    if found:
        for part in found[-1].split(","):
            k, _, v = part.strip().partition("=")
            if v.strip().isdigit():
                counts[k.strip()] = int(v)
    return counts


def count_unittest(text):
    """None when the output has no 'Ran N tests' line."""
    ran = re.findall(r"^Ran (\d+) tests? in", text, re.M)
    if not ran:
        return None
    ran = int(ran[-1])
    if ran == 0:
        return Count(failed=1)
    # "FAIL: test_x (mod.Class.test_x) (param=1)": the id is the name and
    # the first parenthesis; subTest details after it are dropped.
    failing = set(re.findall(r"^(?:FAIL|ERROR|UNEXPECTED SUCCESS): (\S+ \([^)]*\))", text, re.M))
    counts = summary_counts(text, "FAILED")
    counts.update({k: v for k, v in summary_counts(text, "OK").items() if k not in counts})
    failed = len(failing)
    if not failed and re.search(r"^FAILED \(", text, re.M):
        failed = counts.get("failures", 0) + counts.get("errors", 0) + \
            counts.get("unexpected successes", 0) or 1
    skipped = counts.get("skipped", 0)
    xfail = counts.get("expected failures", 0)
    return Count(max(ran - failed - skipped - xfail, 0), failed, skipped, xfail)


def is_unittest_file(test):
    return any(re.match(r"test_.*\.py$", os.path.basename(str(arg)))
               for arg in test.get("command") or [])


def count_test(test):
    out = (test.get("stdout") or "") + "\n" + (test.get("stderr") or "")
    result = test.get("result", "")
    if re.search(r"^1\.\.\d+", out, re.M) or re.search(r"^(not )?ok \d", out, re.M):
        c = count_tap(out)
    elif is_unittest_file(test):
        c = count_unittest(out)
        if c is None:
            print("summary: %s printed no 'Ran N tests' line" % test.get("name"),
                  file=sys.stderr)
            c = Count(failed=1)
    elif result == "SKIP":
        c = Count(skipped=1)
    elif result == "EXPECTEDFAIL":
        c = Count(xfail=1)
    else:
        c = Count(passed=1) if result == "OK" else Count(failed=1)
    if result not in ("OK", "SKIP", "EXPECTEDFAIL") and c.failed == 0:
        c.failed = 1
        print("summary: %s failed: %s" % (test.get("name"), result), file=sys.stderr)
    return c


def main(paths):
    total = Count()
    for path in paths:
        with open(path) as fh:
            for line in fh:
                if line.strip():
                    total.add(count_test(json.loads(line)))
    line = "%d passed, %d failed" % (total.passed, total.failed)
    if total.skipped:
        line += ", %d skipped" % total.skipped
    if total.xfail:
        line += ", %d expected failures" % total.xfail
    print(line)
    return 1 if total.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
