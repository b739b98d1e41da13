#!/usr/bin/python3
"""annotate-sa --format helm-values: the chart's serviceAccount values printed
(text, JSON) or merged into a values file in place, keeping comments; second
runs unchanged; bad input one line and exit 2 with the file untouched."""

import json
import os
import unittest

import yaml

from clitest import CliTestCase, main

ROLE = "arn:aws:iam::111122223333:role/web"
OLD = "arn:aws:iam::111122223333:role/old"
RA = "eks.amazonaws.com/role-arn"

CHART_DEFAULTS = """\
# Default values for web.
replicaCount: 1

serviceAccount:
  # Specifies whether a service account should be created
  create: false
  # Annotations to add to the service account
  annotations: {}
  # The name of the service account to use.
  # If not set and create is true, a name is generated using the fullname template
  name: ""

podAnnotations: {}
"""


class HelmValuesTest(CliTestCase):
    def sa(self, *args):
        return self.run_cli("annotate-sa", "-s", "web", "--role-arn", ROLE,
                            "--format", "helm-values", *args)

    def values(self, text=CHART_DEFAULTS):
        return self.write("values.yaml", text)

    def read(self, path):
        with open(path) as f:
            return f.read()

    def test_prints_the_block(self):
        r = self.sa()
        self.assertOk(r)
        self.assertEqual(r.out, "serviceAccount:\n  create: true\n  name: web\n  annotations:\n"
                         f"    {RA}: {ROLE}\n")
        r = self.sa("--values-path", "web.serviceAccount", "--audience", "sts.amazonaws.com",
                    "--output", "json")
        self.assertOk(r)
        self.assertEqual(json.loads(r.out), {"web": {"serviceAccount": {
            "create": True, "name": "web",
            "annotations": {RA: ROLE, "eks.amazonaws.com/audience": "sts.amazonaws.com"}}}})

    def test_merge_keeps_comments_and_second_run_is_unchanged(self):
        path = self.values()
        r = self.sa("-f", path)
        self.assertOk(r)
        self.assertIn("values of service account 'web' updated in values file", r.out)
        text = self.read(path)
        # every comment and every other key kept, byte for byte
        for line in CHART_DEFAULTS.splitlines():
            if line.lstrip().startswith("#") or line in ("replicaCount: 1", "podAnnotations: {}"):
                self.assertIn(line + "\n", text)
        self.assertEqual(yaml.safe_load(text), {
            "replicaCount": 1, "podAnnotations": {},
            "serviceAccount": {"create": True, "name": "web", "annotations": {RA: ROLE}}})
        r = self.sa("-f", path)
        self.assertOk(r)
        self.assertIn("unchanged", r.out)
        self.assertEqual(self.read(path), text)
        # JSON result
        r = self.sa("-f", path, "--output", "json")
        self.assertEqual(json.loads(r.out)["status"], "unchanged")

    def test_dry_run_writes_nothing(self):
        path = self.values()
        r = self.sa("-f", path, "--dry-run")
        self.assertOk(r)
        self.assertIn("would be updated", r.out)
        self.assertEqual(self.read(path), CHART_DEFAULTS)

    def test_reports_through_the_plan(self):
        # a file without the values: created, and the report names the action
        path = self.values("image: web\n")
        r = self.sa("-f", path, "--dry-run")
        self.assertOk(r)
        self.assertEqual(r.out.splitlines()[0], "values of service account 'web' would be created "
                         f"in values file '{path}' (serviceAccount) (dry run)")
        self.assertIn(f"  update-values {path}\n", r.out)
        self.assertIn("+serviceAccount:\n", r.out)
        self.assertIn(f"+    {RA}: {ROLE}\n", r.out)
        self.assertEqual(self.read(path), "image: web\n")
        r = self.sa("-f", path, "--output", "json", "--dry-run")
        self.assertOk(r)
        report = json.loads(r.out)
        self.assertEqual((report["status"], report["dry_run"]), ("create", True))
        self.assertEqual(report["target"], "values:" + path)
        self.assertEqual((report["service_account"], report["role_arn"], report["values_path"]),
                         ("web", ROLE, "serviceAccount"))
        self.assertEqual([(a["verb"], a["target"], a["done"]) for a in report["actions"]],
                         [("update-values", path, False)])
        self.assertIn(" image: web\n+serviceAccount:\n", report["actions"][0]["diff"])
        self.assertEqual(report["values"], {"serviceAccount": {
            "create": True, "name": "web", "annotations": {RA: ROLE}}})
        self.assertEqual(self.read(path), "image: web\n")
        r = self.sa("-f", path, "--output", "json")
        self.assertOk(r)
        report = json.loads(r.out)
        self.assertEqual((report["status"], report["dry_run"]), ("created", False))
        self.assertTrue(report["actions"][0]["done"])
        self.assertEqual(yaml.safe_load(self.read(path)), {"image": "web", "serviceAccount": {
            "create": True, "name": "web", "annotations": {RA: ROLE}}})
        # values there already: updated, with a diff of just the changed lines
        r = self.sa("-f", path, "--audience", "sts.amazonaws.com", "--dry-run")
        self.assertOk(r)
        self.assertIn("would be updated", r.out)
        diff = [l for l in r.out.splitlines() if l.startswith("      +") or l.startswith("      -")]
        self.assertEqual(diff[2:], ["      +    eks.amazonaws.com/audience: sts.amazonaws.com"])
        # unchanged: no action, nothing to do
        r = self.sa("-f", path, "--output", "json", "--dry-run")
        self.assertEqual((json.loads(r.out)["status"], json.loads(r.out)["actions"]),
                         ("unchanged", []))
        r = self.sa("-f", path, "--output", "yaml")
        self.assertOk(r)
        self.assertEqual(yaml.safe_load(r.out)["status"], "unchanged")

    def test_role_change_replaces_only_the_value(self):
        path = self.values("serviceAccount:\n  create: true\n  name: web\n  annotations:\n"
                           f"    {RA}: {OLD}  # set by hand\n    team: payments\n")
        self.assertOk(self.sa("-f", path))
        self.assertEqual(self.read(path), "serviceAccount:\n  create: true\n  name: web\n"
                         f"  annotations:\n    {RA}: {ROLE}  # set by hand\n"
                         "    team: payments\n")

    def test_bad_input_is_one_line_and_exit_2(self):
        flow = self.values("serviceAccount: {create: false}\n")
        r = self.sa("-f", flow)
        self.assertFails(r, 2, "'serviceAccount' (line 1) is a flow mapping")
        self.assertEqual(self.read(flow), "serviceAccount: {create: false}\n")
        self.assertFails(self.sa("--values-path", "a..b"), 2, "values path 'a..b'")
        self.assertFails(self.run_cli("annotate-sa", "-s", "web", "--role-arn", ROLE,
                                      "--format", "helm"), 2, "--format takes manifest or "
                         "helm-values, not 'helm'")
        self.assertFails(self.run_cli("annotate-sa", "-n", "a", "-s", "web", "--role-arn", ROLE,
                                      "--values-path", "x"), 2,
                         "--values-path goes with --format helm-values")
        self.assertFails(self.sa("--apply"), 2, "--apply does not go with --format helm-values")
        self.assertFails(self.sa("-f", os.path.join(self.home, "missing.yaml")), 4,
                         "does not exist")

    def test_help_names_the_options(self):
        r = self.run_cli("annotate-sa", "--help")
        self.assertOk(r)
        for opt in ("--format", "--values-path", "helm-values"):
            self.assertIn(opt, r.out)


if __name__ == "__main__":
    main()
