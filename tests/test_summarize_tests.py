"""scripts/summarize-tests.py: the final 'N passed, N failed' line counts
what really happened (subTests, crashes, empty files, expected failures)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts",
                      "summarize-tests.py")


def entry(name, stdout, result="OK", command=None):
    return {"name": name, "stdout": stdout, "result": result,
            "command": command or ["/bin/true"]}


def py(name, stdout, result="OK"):
    return entry(name, stdout, result, ["/usr/bin/python3", "/src/tests/%s.py" % name])


class Summarize(unittest.TestCase):
    def run_on(self, *tests):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            for t in tests:
                fh.write(json.dumps(t) + "\n")
        try:
            r = subprocess.run([sys.executable, SCRIPT, fh.name], capture_output=True, text=True)
        finally:
            os.unlink(fh.name)
        return r.returncode, r.stdout.strip()

    def test_tap_cases(self):
        out = "ok 1 - a\nnot ok 2 - b\nok 3 - c # SKIP no kubectl\nnot ok 4 - d # TODO later\n1..4\n"
        self.assertEqual(self.run_on(entry("unit", out, "FAIL")),
                         (1, "1 passed, 1 failed, 1 skipped, 1 expected failures"))

    def test_tap_crash_counts_a_failure(self):
        self.assertEqual(self.run_on(entry("unit", "ok 1 - a\n", "ERROR")),
                         (1, "1 passed, 1 failed"))

    def test_failing_subtests_count_once_per_test(self):
        out = ("FAIL: test_a (__main__.T.test_a) (i=1)\n"
               "FAIL: test_a (__main__.T.test_a) (i=2)\n"
               "FAIL: test_a (__main__.T.test_a) (i=3)\n"
               "ERROR: test_b (__main__.T.test_b)\n"
               "Ran 3 tests in 0.1s\n\nFAILED (failures=3, errors=1)\n")
        self.assertEqual(self.run_on(py("test_x", out, "FAIL")), (1, "1 passed, 2 failed"))

    def test_skips_and_expected_failures_are_not_passes(self):
        out = "Ran 5 tests in 0.1s\n\nOK (skipped=1, expected failures=2)\n"
        self.assertEqual(self.run_on(py("test_x", out)),
                         (0, "2 passed, 0 failed, 1 skipped, 2 expected failures"))

    def test_unexpected_success_fails(self):
        out = ("UNEXPECTED SUCCESS: test_a (__main__.T.test_a)\n"
               "Ran 2 tests in 0.1s\n\nFAILED (unexpected successes=1)\n")
        self.assertEqual(self.run_on(py("test_x", out, "FAIL")), (1, "1 passed, 1 failed"))

    def test_python_file_without_ran_line_fails(self):
        out = "Traceback (most recent call last):\nImportError: no module named x\n"
        self.assertEqual(self.run_on(py("test_x", out, "OK")), (1, "0 passed, 1 failed"))

    def test_python_file_that_ran_nothing_fails(self):
        out = "Ran 0 tests in 0.000s\n\nOK\n"
        self.assertEqual(self.run_on(py("test_x", out, "OK")), (1, "0 passed, 1 failed"))

    def test_plain_tests_count_one(self):
        self.assertEqual(self.run_on(entry("demo", "all good\n"), entry("fuzz-xml", "", "FAIL"),
                                     entry("other", "", "SKIP")),
                         (1, "1 passed, 1 failed, 1 skipped"))


if __name__ == "__main__":
    unittest.main()
