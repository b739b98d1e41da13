#!/usr/bin/python3
"""The CLI frame: help, version, typos, exit codes, completion, man pages,
and whoami's retry, error and redaction behaviour against the AWS emulator."""
import os
import re
import shutil
import subprocess
import unittest

import clitest

HERE = os.path.dirname(os.path.abspath(__file__))
MAN = os.path.join(HERE, "..", "man")
ALICE = "AKIAIRSATESTALICE01"


def read(path):
    with open(path) as f:
        return f.read()


def commands():
    r = clitest.run(["--help"], clitest.clean_env("/tmp"))
    section = r.out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in section.splitlines() if line.strip()]


def command_options(cmd):
    r = clitest.run(["__complete", cmd, "--"], clitest.clean_env("/tmp"))
    return [w[2:] for w in r.out.split()]


class FrameTest(clitest.CliTestCase):
    def test_version(self):
        r = self.run_cli("--version")
        self.assertOk(r)
        self.assertRegex(r.out, r"^irsactl \d+\.\d+\.\d+\n$")

    def test_help_lists_commands(self):
        r = self.run_cli("--help")
        self.assertOk(r)
        self.assertIn("whoami", commands())
        self.assertIn("Global options:", r.out)

    def test_command_summaries_start_in_one_column(self):
        r = self.run_cli("--help")
        section = r.out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
        columns = {len(line) - len(line.split(None, 1)[1]) for line in section.splitlines()}
        self.assertEqual(len(columns), 1, section)

    def test_no_command_is_usage_error(self):
        r = self.run_cli()
        self.assertEqual(r.rc, 2, repr(r))
        self.assertIn("no command given", r.err)

    def test_every_command_has_help(self):
        for cmd in commands():
            for args in ([cmd, "--help"], ["help", cmd], [cmd, "-h"]):
                r = self.run_cli(*args)
                self.assertOk(r)
                self.assertIn("Usage: irsactl " + cmd, r.out)
                self.assertEqual(r.err, "")

    def test_every_option_read_is_declared(self):
        """A command reading an option it does not declare would read nothing: every
        name given to cli_arg/cli_flag/cli_arg_list in src/cli must be in the
        command's own table or the global one (and a read of an undeclared name
        aborts at run time too)."""
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "cli")
        table = re.compile(r'^\s*\{ "([a-z][a-z0-9-]*)", (0|\'(.)\'),', re.M)
        read = re.compile(r'cli_(?:arg|flag|arg_list)\(\s*args?,\s*"([^"]+)"')
        with open(os.path.join(src, "globals.c")) as f:
            global_opts = {m.group(1) for m in table.finditer(f.read())}
        self.assertIn("output", global_opts)
        shorts = {}
        checked = 0
        for name in sorted(os.listdir(src)):
            if not name.endswith(".c"):
                continue
            with open(os.path.join(src, name)) as f:
                text = f.read()
            declared = {m.group(1) for m in table.finditer(text)}
            for m in table.finditer(text):
                if m.group(3):
                    shorts.setdefault(m.group(3), set()).add(m.group(1))
            names = set(read.findall(text))
            # names read through a list (annotate-sa's --apply-only options)
            for lst in re.findall(r'apply_only\[\] = \{([^}]*)\}', text):
                names |= set(re.findall(r'"([^"]+)"', lst))
            for n in names:
                checked += 1
                if name.startswith("cmd-"):
                    self.assertIn(n, declared | global_opts, "%s reads --%s, not declared" % (name, n))
                elif name in ("main.c", "commands.c"):
                    self.assertIn(n, global_opts, "main.c reads --%s, not a global option" % n)
        self.assertGreater(checked, 40)
        # short options mean one thing everywhere: -n --namespace, -o --output (as kubectl);
        # -f is the file a command reads, as kubectl's -f: annotate-sa's manifest, apply's files
        self.assertLessEqual(shorts.pop("f", set()), {"manifest", "filename"})
        for letter, longs in shorts.items():
            self.assertEqual(len(longs), 1, "-%s means %s" % (letter, sorted(longs)))
        self.assertEqual(shorts["n"], {"namespace"})
        self.assertEqual(shorts["o"], {"output"})

    def test_typo_suggests_command(self):
        r = self.run_cli("whoamii")
        self.assertFails(r, 2, "did you mean 'whoami'?")

    def test_unknown_option_suggests(self):
        r = self.run_cli("whoami", "--regoin", "us-east-1")
        self.assertFails(r, 2, "did you mean '--region'?")

    def test_bad_output_format(self):
        r = self.run_cli("whoami", "--output", "xml")
        self.assertFails(r, 2, "unknown output format 'xml'")

    def test_option_needs_value(self):
        r = self.run_cli("whoami", "--region")
        self.assertFails(r, 2, "needs a value")

    def test_help_unknown_command(self):
        r = self.run_cli("help", "nope")
        self.assertFails(r, 2, "'nope'")

    def test_completion_commands_and_options(self):
        r = self.run_cli("__complete", "")
        self.assertOk(r)
        self.assertEqual(r.out.split(), commands())
        r = self.run_cli("__complete", "whoami", "--")
        self.assertIn("--profile", r.out.split())
        r = self.run_cli("__complete", "--output", "")
        self.assertEqual(r.out.split(), ["text", "json", "yaml"])
        r = self.run_cli("__complete", "--region", "")
        self.assertIn("eu-west-1", r.out.split())

    def test_completion_profiles(self):
        self.write("aws-config", "[default]\nregion=us-east-1\n[profile ci]\nregion=eu-west-1\n")
        r = self.run_cli("__complete", "whoami", "--profile", "")
        self.assertOk(r)
        self.assertEqual(sorted(r.out.split()), ["ci", "default"])

    def test_bash_completion_script(self):
        script = os.path.join(HERE, "..", "completions", "bash", "irsactl")
        bindir = os.path.dirname(os.path.abspath(clitest.IRSACTL))
        out = subprocess.run(
            ["bash", "-c", 'source "$0"; COMP_WORDS=(irsactl who); COMP_CWORD=1; _irsactl; '
             'printf "%s\\n" "${COMPREPLY[@]}"', script],
            env=self.env(PATH=bindir + ":/usr/bin:/bin"), capture_output=True, text=True)
        self.assertEqual(out.stdout.split(), ["whoami"], out.stderr)

    def test_every_command_and_option_in_man_pages(self):
        for cmd in commands():
            path = os.path.join(MAN, "irsactl-%s.1.scd" % cmd)
            self.assertTrue(os.path.exists(path), "no man page for '%s'" % cmd)
            text = read(path)
            main = read(os.path.join(MAN, "irsactl.1.scd"))
            self.assertIn("*%s*" % cmd.split()[0], main, "irsactl(1) does not mention " + cmd)
            for opt in command_options(cmd):
                if ("*--%s*" % opt) not in text and ("*--%s*" % opt) not in main:
                    self.fail("option --%s of '%s' is in neither irsactl-%s(1) nor irsactl(1)"
                              % (opt, cmd, cmd))

    def test_exit_codes_documented(self):
        main = read(os.path.join(MAN, "irsactl.1.scd"))
        for code in range(0, 10):
            self.assertIn("*%d*\n" % code, main)


class WhoamiTest(clitest.AwsEmulatorCase):
    def setUp(self):
        super().setUp()
        self.extra_env = dict(self.emu.env(key=ALICE))
        self.extra_env.pop("AWS_CONFIG_FILE", None)
        self.extra_env.pop("AWS_SHARED_CREDENTIALS_FILE", None)

    def test_whoami_json(self):
        r = self.run_cli("whoami", "--output", "json")
        self.assertOk(r)
        self.assertEqual(r.json(), {
            "account": "111122223333",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "user_id": "AIDAIRSATESTALICE001",
            "region": "us-east-1",
            "partition": "aws",
            "provider": "environment",
            "profile": "default",
        })

    def test_whoami_text_and_yaml(self):
        r = self.run_cli("whoami")
        self.assertOk(r)
        self.assertIn("account: 111122223333\n", r.out)
        r = self.run_cli("whoami", "--output", "yaml")
        self.assertOk(r)
        self.assertIn("account: '111122223333'", r.out.replace('"', "'"))

    def test_partition_from_region(self):
        r = self.run_cli("whoami", "--output", "json", "--region", "cn-north-1")
        self.assertOk(r)
        self.assertEqual(r.json()["partition"], "aws-cn")
        self.assertEqual(r.json()["arn"], "arn:aws-cn:iam::111122223333:user/alice")

    def test_throttled_twice_then_succeeds(self):
        self.emu.faults([{"service": "sts", "kind": "throttle", "count": 2}])
        r = self.run_cli("whoami", "--output", "json")
        self.assertOk(r)
        calls = [e for e in self.emu.log() if e["service"] == "sts"]
        self.assertEqual([e["status"] for e in calls], [400, 400, 200])

    def test_always_503_fails_after_max_attempts(self):
        self.emu.faults([{"service": "sts", "kind": "status", "status": 503}])
        r = self.run_cli("whoami", AWS_MAX_ATTEMPTS="4")
        self.assertFails(r, 8, "after 4 attempts")
        self.assertIn("ServiceUnavailable", r.err)
        self.assertEqual(len([e for e in self.emu.log() if e["service"] == "sts"]), 4)

    def test_throttled_every_time_exit_code(self):
        self.emu.faults([{"service": "sts", "kind": "throttle"}])
        r = self.run_cli("whoami")
        self.assertFails(r, 6, "Throttling")
        self.assertEqual(len(self.emu.log()), 3)

    def test_dropped_connection_retried(self):
        self.emu.faults([{"service": "sts", "kind": "drop", "count": 1}])
        r = self.run_cli("whoami", "--output", "json")
        self.assertOk(r)
        # The effect that matters: the dropped request was sent again, once.
        self.assertEqual([(e["action"], e["status"], e["fault"]) for e in self.emu.log()],
                         [("GetCallerIdentity", 0, "drop"), ("GetCallerIdentity", 200, None)])

    def test_validation_error_not_retried(self):
        r = self.run_cli("whoami", AWS_SECRET_ACCESS_KEY="wrong-secret")
        self.assertFails(r, 3, "SignatureDoesNotMatch")
        self.assertEqual(len(self.emu.log()), 1)

    def test_skew_answer_without_real_skew_is_an_auth_error(self):
        # The server says "skewed" but its Date agrees with our clock: there
        # is nothing to correct, so no blind retry.
        self.emu.faults([{"service": "sts", "kind": "skew", "count": 1}])
        r = self.run_cli("whoami")
        self.assertFails(r, 3, "RequestTimeTooSkewed")
        self.assertEqual(len(self.emu.log()), 1)

    @unittest.skipUnless(shutil.which("faketime"), "faketime is not installed")
    def test_clock_skew_corrected(self):
        # The local clock is an hour slow: the emulator refuses the signature
        # as expired, irsactl learns the offset from its Date and re-signs.
        # faketime is an LD_PRELOAD library; under ASan it comes before the
        # ASan runtime, which ASan accepts once told to.
        env = self.env(FAKETIME_DONT_FAKE_MONOTONIC="1")
        env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                     "verify_asan_link_order=0"]))
        proc = subprocess.run(["faketime", "-f", "-1h", clitest.IRSACTL, "whoami", "--output", "json"],
                              env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        statuses = [e["status"] for e in self.emu.log()]
        self.assertEqual(statuses, [403, 200])

    def test_unknown_region_sends_nothing(self):
        r = self.run_cli("whoami", "--region", "us-esat-1")
        self.assertFails(r, 2, "unknown region 'us-esat-1'")
        self.assertEqual(self.emu.log(), [])

    def test_no_credentials(self):
        env = self.env()
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.pop(k, None)
        r = self.run_cli("whoami", env=env)
        self.assertFails(r, 3)
        self.assertEqual(self.emu.log(), [])

    def test_debug_redacts_secrets(self):
        secret = self.accounts[ALICE]["secret"]
        r = self.run_cli("whoami", "--debug", AWS_SESSION_TOKEN=None)
        self.assertOk(r)
        self.assertIn("POST", r.err)
        self.assertNotIn(secret, r.out + r.err)
        self.assertNotIn("Signature=", r.out + r.err)

    def test_endpoint_url_per_service_wins(self):
        r = self.run_cli("whoami", AWS_ENDPOINT_URL="http://127.0.0.1:9",
                         AWS_ENDPOINT_URL_STS=self.emu.url)
        self.assertOk(r)

    def test_network_error_exit_code(self):
        r = self.run_cli("whoami", AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_MAX_ATTEMPTS="1")
        self.assertFails(r, 7)

    @unittest.skipUnless(shutil.which("valgrind"), "valgrind is not installed")
    @unittest.skipIf("ASAN_OPTIONS" in os.environ, "a sanitizer build cannot run under valgrind")
    def test_whoami_valgrind_clean(self):
        self.emu.faults([{"service": "sts", "kind": "throttle", "count": 1}])
        proc = subprocess.run(
            ["valgrind", "--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
             "--error-exitcode=99", clitest.IRSACTL, "whoami", "--debug", "--output", "yaml"],
            env=self.env(), capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("==", proc.stderr.replace("===", ""), proc.stderr)

    def test_stdout_closed_pipe_is_not_success(self):
        with open("/dev/full", "w") as full:
            proc = subprocess.run([clitest.IRSACTL, "whoami"], env=self.env(), stdout=full,
                                  stderr=subprocess.PIPE, text=True)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("cannot write the result", proc.stderr)


if __name__ == "__main__":
    clitest.main()
