#!/usr/bin/python3
"""Tests of the local AWS emulator (tests/emulator/aws_emulator.py).

    /usr/bin/python3 tests/test_aws_emulator.py      (-v for names)

Clients used: botocore (an independent SigV4 signer and response parser), raw
http.client requests, and the real AWS CLI (/usr/bin/aws) when it is installed.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import warnings
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "emulator"))

# Isolate botocore from the user's AWS configuration before importing it.
for _k in list(os.environ):
    if _k.startswith("AWS_"):
        del os.environ[_k]
os.environ["AWS_CONFIG_FILE"] = "/nonexistent/aws-emulator-test/config"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-emulator-test/credentials"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import botocore.session  # noqa: E402
from botocore.auth import SigV4Auth, SigV4QueryAuth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError  # noqa: E402

from aws_harness import AwsEmulator, load_accounts  # noqa: E402

ACCOUNTS = load_accounts()["access_keys"]
ALICE = "AKIAIRSATESTALICE01"
ALICE_SECRET = ACCOUNTS[ALICE]["secret"]
BOB = "AKIAIRSATESTBOB0002"
ALICE_ACCT = "111122223333"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
ISSUER_HOST = ISSUER[len("https://"):]
PROVIDER_ARN = f"arn:aws:iam::{ALICE_ACCT}:oidc-provider/{ISSUER_HOST}"
THUMB = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
NS = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
      "sts": "https://sts.amazonaws.com/doc/2011-06-15/"}

GCI = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}

EMU = None


def setUpModule():
    global EMU
    EMU = AwsEmulator().start()


def tearDownModule():
    EMU.stop()


def trust(sub="system:serviceaccount:default:app", provider=PROVIDER_ARN, host=ISSUER_HOST):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host}:sub": sub, f"{host}:aud": "sts.amazonaws.com"}}}]})


SERVICE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


# IAM's answer (400 InvalidInput) to tag keys equal without regard to case.
DUPLICATE_TAGS = "Duplicate tag keys found. Please note that Tag keys are case insensitive."


def perm_policy(action="s3:GetObject", resource="arn:aws:s3:::bucket/*"):
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})


def client(service, key=ALICE, secret=None, token=None, region="us-east-1", attempts=1, emu=None):
    emu = emu or EMU
    session = botocore.session.Session()
    cfg = Config(retries={"total_max_attempts": attempts, "mode": "standard"}, connect_timeout=3,
                 read_timeout=10)
    return session.create_client(
        service, region_name=region, endpoint_url=emu.url, config=cfg,
        aws_access_key_id=key, aws_secret_access_key=secret or ACCOUNTS[key]["secret"],
        aws_session_token=token)


def send(method, url, body=b"", headers=None, conn=None):
    """One raw HTTP request; returns (status, headers dict (lower-case), body bytes)."""
    u = urllib.parse.urlsplit(url)
    own = conn is None
    conn = conn or http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    out = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    if own:
        conn.close()
    return out


def signed_query(params, service="sts", region="us-east-1", key=ALICE, secret=None, token=None,
                 tamper=None, conn=None):
    """A Query-protocol POST signed by botocore's SigV4Auth, sent raw."""
    body = urllib.parse.urlencode(params)
    req = AWSRequest(method="POST", url=EMU.url + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(key, secret or ACCOUNTS[key]["secret"], token), service,
              region).add_auth(req)
    headers = dict(req.headers.items())
    if tamper:
        headers = tamper(headers)
    return send("POST", EMU.url + "/", body.encode(), headers, conn)


def xml_error(body):
    root = ET.fromstring(body)
    ns = root.tag.split("}")[0] + "}"
    err = root.find(f"{ns}Error")
    return err.find(f"{ns}Code").text, err.find(f"{ns}Message").text, err.find(f"{ns}Type").text


def code_of(exc):
    return exc.response["Error"]["Code"]


class EmulatorTest(unittest.TestCase):
    def setUp(self):
        warnings.simplefilter("ignore", ResourceWarning)  # botocore clients keep pools open
        EMU.reset()


class SignatureTests(EmulatorTest):
    def test_correct_signature_accepted_one_wrong_byte_rejected(self):
        status, hdrs, body = signed_query({"Action": "GetCallerIdentity",
                                           "Version": "2011-06-15"})
        self.assertEqual(status, 200, body)
        self.assertIn("x-amzn-requestid", hdrs)
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "{%s}GetCallerIdentityResponse" % NS["sts"])
        self.assertEqual(root.find("sts:GetCallerIdentityResult/sts:Account", NS).text, ALICE_ACCT)
        self.assertEqual(root.find("sts:ResponseMetadata/sts:RequestId", NS).text,
                         hdrs["x-amzn-requestid"])

        def flip_one_byte(h):
            auth = h["Authorization"]
            last = auth[-1]
            h["Authorization"] = auth[:-1] + ("0" if last != "0" else "1")
            return h
        status, hdrs, body = signed_query({"Action": "GetCallerIdentity",
                                           "Version": "2011-06-15"}, tamper=flip_one_byte)
        self.assertEqual(status, 403)
        code, msg, typ = xml_error(body)
        self.assertEqual((code, typ), ("SignatureDoesNotMatch", "Sender"))
        self.assertIn("The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method.", msg)
        # The log keeps the canonical request the emulator expected (debugging aid).
        rec = EMU.log()[-1]
        self.assertEqual(rec["error_code"], "SignatureDoesNotMatch")
        self.assertIn("expected_canonical_request", rec)

    def test_verifier_unit(self):
        """sigv4.verify in-process: same request, right and wrong signature."""
        from aws import sigv4
        from aws.errors import AwsError
        req = AWSRequest(method="POST", url="http://sts.example:8080/",
                         data=b"Action=GetCallerIdentity&Version=2011-06-15",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        SigV4Auth(Credentials(ALICE, ALICE_SECRET), "sts", "us-east-1").add_auth(req)
        headers = [("Host", "sts.example:8080")] + list(req.headers.items())
        hmap = {k: v for k, v in headers}

        class H(dict):
            def get(self, k, d=None):
                for kk, v in self.items():
                    if kk.lower() == k.lower():
                        return v
                return d
        info = sigv4.parse("POST", "", H(hmap))
        sigv4.verify(info, "POST", "/", "", headers, req.body, ALICE_SECRET, time.time())
        bad = list(info.signature)
        bad[10] = "a" if bad[10] != "a" else "b"
        info.signature = "".join(bad)
        with self.assertRaises(AwsError) as cm:
            sigv4.verify(info, "POST", "/", "", headers, req.body, ALICE_SECRET, time.time())
        self.assertEqual(cm.exception.code, "SignatureDoesNotMatch")
        # Wrong secret, and a body changed after signing, are rejected too.
        info = sigv4.parse("POST", "", H(hmap))
        with self.assertRaises(AwsError):
            sigv4.verify(info, "POST", "/", "", headers, req.body, ALICE_SECRET[:-1] + "x",
                         time.time())
        with self.assertRaises(AwsError):
            sigv4.verify(info, "POST", "/", "", headers, req.body + b"&x=1", ALICE_SECRET,
                         time.time())

    def test_unknown_key_expired_date_and_missing_auth(self):
        status, _, body = signed_query(GCI, key=ALICE,
                                       tamper=lambda h: {**h, "Authorization": h[
                                           "Authorization"].replace(ALICE, "AKIAUNKNOWNKEY000001")})
        self.assertEqual((status, xml_error(body)[0]), (403, "InvalidClientTokenId"))

        def old_date(h):
            return {**h, "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ",
                                                     time.gmtime(time.time() - 600))}
        status, _, body = signed_query(GCI, tamper=old_date)
        code, msg, _ = xml_error(body)
        self.assertEqual((status, code), (403, "SignatureDoesNotMatch"))
        self.assertIn("Signature expired", msg)

        status, _, body = send("POST", EMU.url + "/", b"Action=GetCallerIdentity",
                               {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, xml_error(body)[0]), (403, "MissingAuthenticationToken"))

    def test_iam_must_be_signed_for_its_global_region(self):
        status, _, body = signed_query({"Action": "ListRoles", "Version": "2010-05-08"},
                                       service="iam", region="eu-west-1")
        self.assertEqual((status, xml_error(body)[0]), (403, "SignatureDoesNotMatch"))

    def test_presigned_get_caller_identity_eks_token_style(self):
        req = AWSRequest(method="GET", url=EMU.url + "/?Action=GetCallerIdentity&Version=2011-06-15",
                         headers={"x-k8s-aws-id": "demo"})
        SigV4QueryAuth(Credentials(ALICE, ALICE_SECRET), "sts", "us-east-1",
                       expires=60).add_auth(req)
        status, _, body = send("GET", req.url, headers={"x-k8s-aws-id": "demo"})
        self.assertEqual(status, 200, body)
        self.assertIn(b"arn:aws:iam::111122223333:user/alice", body)
        self.assertIn("x-amz-signedheaders=host%3bx-k8s-aws-id", req.url.lower())
        # The signed x-k8s-aws-id header must be sent with the same value.
        status, _, body = send("GET", req.url, headers={"x-k8s-aws-id": "other"})
        self.assertEqual((status, xml_error(body)[0]), (403, "SignatureDoesNotMatch"))
        rec = EMU.log()[-1]
        self.assertTrue(rec["signed"])
        self.assertEqual((rec["service"], rec["action"]), ("sts", "GetCallerIdentity"))

        # The real token form: presigned for the public STS host, relayed to the emulator
        # with that Host header (as a token-reviewing API server would).
        url = "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
        req = AWSRequest(method="GET", url=url, headers={"x-k8s-aws-id": "demo"})
        SigV4QueryAuth(Credentials(ALICE, ALICE_SECRET), "sts", "us-east-1",
                       expires=60).add_auth(req)
        relay = EMU.url + "/?" + urllib.parse.urlsplit(req.url).query
        status, _, body = send("GET", relay, headers={"Host": "sts.us-east-1.amazonaws.com",
                                                      "x-k8s-aws-id": "demo"})
        self.assertEqual(status, 200, body)
        status, _, body = send("GET", relay, headers={"x-k8s-aws-id": "demo"})
        self.assertEqual((status, xml_error(body)[0]), (403, "SignatureDoesNotMatch"))

    def test_keep_alive_connection_reuse(self):
        u = urllib.parse.urlsplit(EMU.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        seen = set()
        for _ in range(3):
            status, hdrs, _ = signed_query(GCI, conn=conn)
            self.assertEqual(status, 200)
            self.assertNotEqual(hdrs.get("connection"), "close")
            self.assertIsNotNone(conn.sock)
            seen.add((id(conn.sock), conn.sock.getsockname()))
        self.assertEqual(len(seen), 1)  # all three answered on the one connection
        conn.close()

    def test_body_too_large(self):
        # The server answers 413 as soon as the declared length is too big
        # and closes; the client may still be writing and see the close as
        # a broken pipe or reset instead of the answer. Both are a refusal.
        try:
            status, hdrs, _ = send("POST", EMU.url + "/", b"x" * (1024 * 1024 + 1),
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        except (BrokenPipeError, ConnectionResetError):
            status = 413
        self.assertEqual(status, 413)
        self.assertNotIn("GetCallerIdentity", [e.get("action") for e in EMU.log()])


class StsTests(EmulatorTest):
    def test_assume_role_and_use_temporary_credentials(self):
        sts = client("sts")
        with self.assertRaises(ClientError) as cm:
            sts.assume_role(RoleArn=f"arn:aws:iam::{ALICE_ACCT}:role/nope", RoleSessionName="s1")
        self.assertEqual(code_of(cm.exception), "AccessDenied")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

        EMU.seed(roles=[{"account": "444455556666", "name": "deployer", "trust": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
                "AWS": f"arn:aws:iam::{ALICE_ACCT}:root"}, "Action": "sts:AssumeRole"}]}}])
        out = sts.assume_role(RoleArn="arn:aws:iam::444455556666:role/deployer",
                              RoleSessionName="ci-run")
        creds = out["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        self.assertEqual(out["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::444455556666:assumed-role/deployer/ci-run")
        self.assertTrue(out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA"))
        self.assertTrue(out["AssumedRoleUser"]["AssumedRoleId"].endswith(":ci-run"))
        left = creds["Expiration"].timestamp() - time.time()
        self.assertTrue(3500 < left <= 3600, left)

        temp = client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                      token=creds["SessionToken"])
        who = temp.get_caller_identity()
        self.assertEqual(who["Arn"], "arn:aws:sts::444455556666:assumed-role/deployer/ci-run")
        self.assertEqual(who["Account"], "444455556666")
        bad = client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                     token=creds["SessionToken"][:-2] + "xx")
        with self.assertRaises(ClientError) as cm:
            bad.get_caller_identity()
        self.assertEqual(code_of(cm.exception), "InvalidClientTokenId")
        notoken = client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"])
        with self.assertRaises(ClientError):
            notoken.get_caller_identity()

    def test_cross_account_assume_role_checked_against_trust(self):
        """pod -> source role in account A (web identity) -> target role in account B
        (AssumeRole): B's trust and A's permissions are both checked, and the
        external ID condition."""
        bob_acct = "444455556666"
        target = f"arn:aws:iam::{bob_acct}:role/target"
        EMU.seed(web_identity_tokens=["tok-pod-1234"], roles=[
            {"name": "source", "inline_policies": {"assume": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                                                        "Action": "sts:AssumeRole",
                                                        "Resource": target}]}}},
            {"name": "other"},
            {"account": bob_acct, "name": "target", "trust": {
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {"AWS": f"arn:aws:iam::{ALICE_ACCT}:role/source"},
                    "Condition": {"StringEquals": {"sts:ExternalId": "ext-123"}}}]}},
            {"account": bob_acct, "name": "open-to-a", "trust": {
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {"AWS": f"arn:aws:iam::{ALICE_ACCT}:root"}}]}}])

        def web_identity(role):
            out = client("sts").assume_role_with_web_identity(
                RoleArn=f"arn:aws:iam::{ALICE_ACCT}:role/{role}", RoleSessionName="pod",
                WebIdentityToken="tok-pod-1234")["Credentials"]
            return client("sts", key=out["AccessKeyId"], secret=out["SecretAccessKey"],
                          token=out["SessionToken"])

        source = web_identity("source")
        out = source.assume_role(RoleArn=target, RoleSessionName="xa", ExternalId="ext-123")
        creds = out["Credentials"]
        who = client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                     token=creds["SessionToken"]).get_caller_identity()
        self.assertEqual(who["Arn"], f"arn:aws:sts::{bob_acct}:assumed-role/target/xa")
        self.assertEqual(who["Account"], bob_acct)
        # The external ID is a condition of the trust: missing or wrong, refused.
        for extra in ({}, {"ExternalId": "ext-999"}):
            with self.assertRaises(ClientError) as cm:
                source.assume_role(RoleArn=target, RoleSessionName="xa", **extra)
            self.assertEqual(code_of(cm.exception), "AccessDenied")
        # A role the trust does not name is refused.
        with self.assertRaises(ClientError) as cm:
            web_identity("other").assume_role(RoleArn=target, RoleSessionName="xa",
                                              ExternalId="ext-123")
        self.assertEqual(code_of(cm.exception), "AccessDenied")
        self.assertIn(f"assumed-role/other/pod is not authorized to perform: sts:AssumeRole",
                      str(cm.exception))
        # A trust of the whole account A still needs A's permission to assume it:
        # 'source' may assume 'target' only.
        with self.assertRaises(ClientError) as cm:
            source.assume_role(RoleArn=f"arn:aws:iam::{bob_acct}:role/open-to-a",
                               RoleSessionName="xa")
        self.assertEqual(code_of(cm.exception), "AccessDenied")
        # IAM users of accounts.json are administrators: the account trust is enough.
        self.assertEqual(client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{bob_acct}:role/open-to-a", RoleSessionName="user")
            ["AssumedRoleUser"]["Arn"], f"arn:aws:sts::{bob_acct}:assumed-role/open-to-a/user")

    def test_assume_role_with_web_identity_unsigned(self):
        EMU.seed(web_identity_tokens=["tok-good-1234"], assumable_roles=[
            f"arn:aws:iam::{ALICE_ACCT}:role/app"])
        params = {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
                  "RoleArn": f"arn:aws:iam::{ALICE_ACCT}:role/app", "RoleSessionName": "pod",
                  "WebIdentityToken": "tok-good-1234"}
        status, _, body = send("POST", EMU.url + "/", urllib.parse.urlencode(params).encode(),
                               {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, body)
        root = ET.fromstring(body)
        res = root.find("sts:AssumeRoleWithWebIdentityResult", NS)
        self.assertEqual(res.find("sts:AssumedRoleUser/sts:Arn", NS).text,
                         f"arn:aws:sts::{ALICE_ACCT}:assumed-role/app/pod")
        exp = res.find("sts:Credentials/sts:Expiration", NS).text
        self.assertRegex(exp, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # A wrong token is refused by STS; one shorter than the model's minimum (4) by
        # the model's validation, without echoing the (sensitive) token.
        for tok, code in (("tok-wrong-1234", "InvalidIdentityToken"), ("", "ValidationError")):
            params["WebIdentityToken"] = tok
            status, _, body = send("POST", EMU.url + "/", urllib.parse.urlencode(params).encode(),
                                   {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual((status, xml_error(body)[0]), (400, code))
        self.assertEqual(xml_error(body)[1], "1 validation error detected: Value at "
                         "'webIdentityToken' failed to satisfy constraint: Member must have "
                         "length greater than or equal to 4")

    def test_partition_from_signing_region(self):
        sts = client("sts", region="cn-north-1")
        self.assertEqual(sts.get_caller_identity()["Arn"], "arn:aws-cn:iam::111122223333:user/alice")
        iam = client("iam", region="us-gov-west-1")
        role = iam.create_role(RoleName="gov", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
                "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]
        self.assertEqual(role["Arn"], "arn:aws-us-gov:iam::111122223333:role/gov")
        iam.attach_role_policy(RoleName="gov",
                               PolicyArn="arn:aws-us-gov:iam::aws:policy/AmazonS3ReadOnlyAccess")


class IamTests(EmulatorTest):
    def setUp(self):
        super().setUp()
        self.iam = client("iam")
        self.iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"],
                                                 ThumbprintList=[THUMB])

    def test_oidc_provider_lifecycle(self):
        with self.assertRaises(ClientError) as cm:
            self.iam.create_open_id_connect_provider(Url=ISSUER, ThumbprintList=[THUMB])
        self.assertEqual(code_of(cm.exception), "EntityAlreadyExists")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        got = self.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER_ARN)
        self.assertEqual(got["Url"], ISSUER_HOST)
        self.assertEqual(got["ClientIDList"], ["sts.amazonaws.com"])
        self.iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER_ARN,
                                                           ClientID="other")
        self.iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER_ARN,
                                              Tags=[{"Key": "cluster", "Value": "demo"}])
        self.iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=PROVIDER_ARN, ThumbprintList=["a" * 40])
        prov = EMU.state()["accounts"][ALICE_ACCT]["oidc_providers"][PROVIDER_ARN]
        self.assertEqual(prov, {"url": ISSUER, "client_ids": ["sts.amazonaws.com", "other"],
                                "thumbprints": ["a" * 40],
                                "tags": [{"Key": "cluster", "Value": "demo"}],
                                "create_date": prov["create_date"]})
        # IAM accepts a provider without thumbprints nowadays (botocore 1.29 would refuse to
        # send it, so the request is built by hand).
        status, _, body = signed_query({"Action": "CreateOpenIDConnectProvider",
                                        "Version": "2010-05-08", "Url": "https://issuer.example/x",
                                        "ClientIDList.member.1": "sts.amazonaws.com"},
                                       service="iam")
        self.assertEqual(status, 200, body)
        arns = [p["Arn"] for p in self.iam.list_open_id_connect_providers()[
            "OpenIDConnectProviderList"]]
        self.assertIn("arn:aws:iam::111122223333:oidc-provider/issuer.example/x", arns)
        self.iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER_ARN)
        with self.assertRaises(ClientError) as cm:
            self.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER_ARN)
        self.assertEqual(code_of(cm.exception), "NoSuchEntity")

    def test_get_role_returns_url_encoded_trust(self):
        doc = trust()
        self.iam.create_role(RoleName="app", AssumeRolePolicyDocument=doc, Path="/irsa/",
                             Description="demo role", Tags=[{"Key": "k", "Value": "v"}])
        status, _, body = signed_query({"Action": "GetRole", "Version": "2010-05-08",
                                        "RoleName": "app"}, service="iam")
        self.assertEqual(status, 200, body)
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "{%s}GetRoleResponse" % NS["iam"])
        raw = root.find("iam:GetRoleResult/iam:Role/iam:AssumeRolePolicyDocument", NS).text
        self.assertEqual(raw, urllib.parse.quote(doc, safe=""))
        self.assertTrue(raw.startswith("%7B%22Version%22%3A"))
        self.assertEqual(root.find("iam:GetRoleResult/iam:Role/iam:Arn", NS).text,
                         "arn:aws:iam::111122223333:role/irsa/app")
        # botocore decodes it back to the document.
        role = self.iam.get_role(RoleName="app")["Role"]
        self.assertEqual(role["AssumeRolePolicyDocument"], json.loads(doc))
        self.assertEqual(role["Tags"], [{"Key": "k", "Value": "v"}])
        self.assertEqual(role["MaxSessionDuration"], 3600)
        state = EMU.state()["accounts"][ALICE_ACCT]["roles"]["app"]
        self.assertEqual(state["trust"], json.loads(doc))
        self.assertEqual(state["trust_raw"], doc)
        with self.assertRaises(ClientError) as cm:
            self.iam.get_role(RoleName="missing")
        self.assertEqual(code_of(cm.exception), "NoSuchEntity")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_validation_and_malformed_documents(self):
        with self.assertRaises(ClientError) as cm:
            self.iam.create_role(RoleName="bad name!", AssumeRolePolicyDocument=trust())
        self.assertEqual(code_of(cm.exception), "ValidationError")
        with self.assertRaises(ClientError) as cm:
            self.iam.create_role(RoleName="r" * 65, AssumeRolePolicyDocument=trust())
        self.assertEqual(code_of(cm.exception), "ValidationError")
        cases = [
            "not json",
            json.dumps({"Statement": []}),
            json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                                                               "Action": "sts:AssumeRole"}]}),
            json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": {
                "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            # The OIDC provider the trust names does not exist.
            trust(provider=f"arn:aws:iam::{ALICE_ACCT}:oidc-provider/missing.example/id/1",
                  host="missing.example/id/1"),
        ]
        for doc in cases:
            with self.assertRaises(ClientError, msg=doc) as cm:
                self.iam.create_role(RoleName="r", AssumeRolePolicyDocument=doc)
            self.assertEqual(code_of(cm.exception), "MalformedPolicyDocument", doc)
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        with self.assertRaises(ClientError) as cm:
            self.iam.create_policy(PolicyName="p", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                        "Action": "s3:*", "Resource": "*"}]}))
        self.assertEqual(code_of(cm.exception), "MalformedPolicyDocument")
        self.assertIn("principal", cm.exception.response["Error"]["Message"])
        big = trust(sub="system:serviceaccount:ns:" + "x" * 2100)
        with self.assertRaises(ClientError) as cm:
            self.iam.create_role(RoleName="big", AssumeRolePolicyDocument=big)
        self.assertEqual(code_of(cm.exception), "LimitExceeded")
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Cannot exceed quota for ACLSizePerRole: 2048")
        self.assertEqual(EMU.state()["accounts"][ALICE_ACCT]["roles"], {})

    def test_attach_limit_and_delete_conflicts(self):
        self.iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust())
        arns = []
        for i in range(11):
            arns.append(self.iam.create_policy(PolicyName=f"p{i}",
                                               PolicyDocument=perm_policy())["Policy"]["Arn"])
        for arn in arns[:10]:
            self.iam.attach_role_policy(RoleName="app", PolicyArn=arn)
        self.iam.attach_role_policy(RoleName="app", PolicyArn=arns[0])  # already: no-op
        with self.assertRaises(ClientError) as cm:
            self.iam.attach_role_policy(RoleName="app", PolicyArn=arns[10])
        self.assertEqual(code_of(cm.exception), "LimitExceeded")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        with self.assertRaises(ClientError) as cm:
            self.iam.attach_role_policy(RoleName="app",
                                        PolicyArn=f"arn:aws:iam::{ALICE_ACCT}:policy/nope")
        self.assertEqual(code_of(cm.exception), "NoSuchEntity")

        with self.assertRaises(ClientError) as cm:
            self.iam.delete_role(RoleName="app")
        self.assertEqual(code_of(cm.exception), "DeleteConflict")
        with self.assertRaises(ClientError) as cm:
            self.iam.delete_policy(PolicyArn=arns[0])
        self.assertEqual(code_of(cm.exception), "DeleteConflict")
        ents = self.iam.list_entities_for_policy(PolicyArn=arns[0])
        self.assertEqual([r["RoleName"] for r in ents["PolicyRoles"]], ["app"])
        for arn in arns[:10]:
            self.iam.detach_role_policy(RoleName="app", PolicyArn=arn)
        self.iam.put_role_policy(RoleName="app", PolicyName="inline", PolicyDocument=perm_policy())
        got = self.iam.get_role_policy(RoleName="app", PolicyName="inline")
        self.assertEqual(got["PolicyDocument"], json.loads(perm_policy()))
        with self.assertRaises(ClientError) as cm:
            self.iam.delete_role(RoleName="app")
        self.assertEqual(code_of(cm.exception), "DeleteConflict")
        self.iam.delete_role_policy(RoleName="app", PolicyName="inline")
        self.iam.delete_role(RoleName="app")

    def test_policy_used_as_a_permissions_boundary(self):
        """As IAM: a boundary is no attachment (AttachmentCount, the
        PermissionsPolicy entities) but is counted by GetPolicy, listed with
        PolicyUsageFilter=PermissionsBoundary, and blocks DeletePolicy."""
        arn = self.iam.create_policy(PolicyName="bound",
                                     PolicyDocument=perm_policy())["Policy"]["Arn"]
        self.iam.create_role(RoleName="bounded", AssumeRolePolicyDocument=trust(),
                             PermissionsBoundary=arn)
        self.iam.create_role(RoleName="attached", AssumeRolePolicyDocument=trust())
        self.iam.attach_role_policy(RoleName="attached", PolicyArn=arn)
        pol = self.iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual((pol["AttachmentCount"], pol["PermissionsBoundaryUsageCount"]), (1, 1))

        def roles(**filters):
            ents = self.iam.list_entities_for_policy(PolicyArn=arn, **filters)
            return [r["RoleName"] for r in ents["PolicyRoles"]]
        self.assertEqual(roles(PolicyUsageFilter="PermissionsPolicy"), ["attached"])
        self.assertEqual(roles(PolicyUsageFilter="PermissionsBoundary", EntityFilter="Role"),
                         ["bounded"])
        self.assertEqual(roles(), ["attached", "bounded"])
        self.assertEqual(roles(EntityFilter="User"), [])
        with self.assertRaises(ClientError) as cm:
            self.iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="Boundary")
        self.assertEqual(code_of(cm.exception), "ValidationError")

        self.iam.detach_role_policy(RoleName="attached", PolicyArn=arn)
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 0)
        with self.assertRaises(ClientError) as cm:
            self.iam.delete_policy(PolicyArn=arn)
        self.assertEqual(code_of(cm.exception), "DeleteConflict")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        # deleting the role needs no boundary removal, and frees the policy
        self.iam.delete_role(RoleName="bounded")
        pol = self.iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual(pol["PermissionsBoundaryUsageCount"], 0)
        self.iam.delete_policy(PolicyArn=arn)

    def test_policy_versions(self):
        arn = self.iam.create_policy(PolicyName="tmpl", Path="/irsactl/",
                                     PolicyDocument=perm_policy())["Policy"]["Arn"]
        self.assertEqual(arn, f"arn:aws:iam::{ALICE_ACCT}:policy/irsactl/tmpl")
        for i in range(2, 6):
            v = self.iam.create_policy_version(PolicyArn=arn, SetAsDefault=True,
                                               PolicyDocument=perm_policy(f"s3:Get{i}"))
            self.assertEqual(v["PolicyVersion"]["VersionId"], f"v{i}")
        with self.assertRaises(ClientError) as cm:
            self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=perm_policy())
        self.assertEqual(code_of(cm.exception), "LimitExceeded")
        with self.assertRaises(ClientError) as cm:
            self.iam.delete_policy_version(PolicyArn=arn, VersionId="v5")
        self.assertEqual(code_of(cm.exception), "DeleteConflict")
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v5")
        doc = self.iam.get_policy_version(PolicyArn=arn, VersionId="v5")["PolicyVersion"]
        self.assertEqual(doc["Document"]["Statement"][0]["Action"], "s3:Get5")
        with self.assertRaises(ClientError) as cm:
            self.iam.delete_policy(PolicyArn=arn)
        self.assertEqual(code_of(cm.exception), "DeleteConflict")
        for v in ("v1", "v2", "v3", "v4"):
            self.iam.delete_policy_version(PolicyArn=arn, VersionId=v)
        self.iam.delete_policy(PolicyArn=arn)
        scopes = self.iam.list_policies(Scope="AWS", PathPrefix="/service-role/")["Policies"]
        self.assertIn("AmazonEBSCSIDriverPolicy", [p["PolicyName"] for p in scopes])
        self.assertEqual(self.iam.list_policies(Scope="Local")["Policies"], [])

    def test_pagination_page_size_one(self):
        with AwsEmulator(page_size=1) as emu:
            iam = client("iam", emu=emu)
            iam.create_open_id_connect_provider(Url=ISSUER, ThumbprintList=[THUMB])
            for name in ("c", "a", "b"):
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust())
            first = iam.list_roles(MaxItems=100)
            self.assertEqual(len(first["Roles"]), 1)
            self.assertTrue(first["IsTruncated"])
            names = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate()
                     for r in page["Roles"]]
            self.assertEqual(names, ["a", "b", "c"])
            for arn in ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                        "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
                        "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"):
                iam.attach_role_policy(RoleName="a", PolicyArn=arn)
            pages = list(iam.get_paginator("list_attached_role_policies").paginate(RoleName="a"))
            self.assertEqual(len(pages), 3)
            self.assertEqual([p["AttachedPolicies"][0]["PolicyName"] for p in pages],
                             ["AmazonS3ReadOnlyAccess", "AmazonEBSCSIDriverPolicy",
                              "AmazonEKSClusterPolicy"])
            self.assertFalse(pages[-1]["IsTruncated"])

    def test_account_authorization_details_roles(self):
        with AwsEmulator(page_size=2) as emu:
            iam = client("iam", emu=emu)
            iam.create_open_id_connect_provider(Url=ISSUER, ThumbprintList=[THUMB])
            for name in ("c", "a", "b"):
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(),
                                Tags=[{"Key": "team", "Value": name}])
            iam.attach_role_policy(RoleName="a",
                                   PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
            iam.put_role_policy(RoleName="a", PolicyName="inline", PolicyDocument=perm_policy())
            iam.put_role_permissions_boundary(
                RoleName="b", PermissionsBoundary="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
            pages = list(iam.get_paginator("get_account_authorization_details").paginate(
                Filter=["Role"]))
            self.assertEqual(len(pages), 2)
            roles = {r["RoleName"]: r for p in pages for r in p["RoleDetailList"]}
            self.assertEqual(sorted(roles), ["a", "b", "c"])
            a = roles["a"]
            self.assertEqual(a["AssumeRolePolicyDocument"], json.loads(trust()))
            self.assertEqual(a["AttachedManagedPolicies"], [
                {"PolicyName": "AmazonS3ReadOnlyAccess",
                 "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}])
            self.assertEqual(a["RolePolicyList"][0]["PolicyName"], "inline")
            self.assertEqual(a["RolePolicyList"][0]["PolicyDocument"], json.loads(perm_policy()))
            self.assertEqual(a["Tags"], [{"Key": "team", "Value": "a"}])
            self.assertEqual(roles["b"]["PermissionsBoundary"]["PermissionsBoundaryArn"],
                             "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
            self.assertNotIn("PermissionsBoundary", roles["c"])
            # An identity whose policy denies the action gets AccessDenied.
            carol = client("iam", key="AKIAIRSATESTCAROL003", emu=emu)
            with self.assertRaises(ClientError) as cm:
                carol.get_account_authorization_details(Filter=["Role"])
            self.assertEqual(code_of(cm.exception), "AccessDenied")
            self.assertEqual(len(carol.list_roles()["Roles"]), 2)


class FaultAndLogTests(EmulatorTest):
    def test_throttle_twice_then_success(self):
        EMU.faults([{"service": "sts", "action": "GetCallerIdentity", "kind": "throttle",
                     "count": 2}])
        sts = client("sts", attempts=3)
        self.assertEqual(sts.get_caller_identity()["Account"], ALICE_ACCT)
        log = EMU.log()
        self.assertEqual([r["status"] for r in log], [400, 400, 200])
        self.assertEqual([r["error_code"] for r in log], ["Throttling", "Throttling", None])
        self.assertEqual([r["fault"] for r in log], ["throttle", "throttle", None])

    def test_503_always_and_drop(self):
        EMU.faults([{"service": "sts", "kind": "status", "status": 503}])
        with self.assertRaises(ClientError) as cm:
            client("sts", attempts=2).get_caller_identity()
        self.assertEqual(code_of(cm.exception), "ServiceUnavailable")
        self.assertEqual([r["status"] for r in EMU.log()], [503, 503])
        EMU.clear_log()
        EMU.faults([{"kind": "drop", "count": 1}])
        with self.assertRaises((ConnectionClosedError, EndpointConnectionError)):
            client("sts").get_caller_identity()
        self.assertEqual(client("sts").get_caller_identity()["Account"], ALICE_ACCT)
        self.assertEqual([r["status"] for r in EMU.log()], [0, 200])

    def test_skew_and_latency(self):
        EMU.faults([{"kind": "latency", "ms": 1500, "count": 1},
                    {"kind": "skew", "count": 1}])
        t0 = time.monotonic()
        status, hdrs, body = signed_query(GCI)
        self.assertGreaterEqual(time.monotonic() - t0, 1.5)
        self.assertEqual((status, xml_error(body)[0]), (403, "RequestTimeTooSkewed"))
        self.assertIn("date", hdrs)
        t0 = time.monotonic()
        status, _, _ = signed_query(GCI)
        self.assertEqual(status, 200)
        # the latency went with the first request: far below 1.5 s even on a busy machine
        self.assertLess(time.monotonic() - t0, 1.0)

    def test_fault_probability_and_mutating_selector(self):
        iam = client("iam")
        iam.create_open_id_connect_provider(Url=ISSUER, ThumbprintList=[THUMB])

        def outcomes():
            EMU.clear_log()
            EMU.faults([{"service": "iam", "mutating": True, "kind": "status",
                         "probability": 0.3, "seed": 42}])
            for i in range(40):
                try:
                    iam.tag_open_id_connect_provider(
                        OpenIDConnectProviderArn=f"arn:aws:iam::{ALICE_ACCT}:oidc-provider/"
                        + ISSUER[len("https://"):], Tags=[{"Key": "k", "Value": str(i)}])
                except ClientError:
                    pass
                iam.list_open_id_connect_providers()
            return [(r["action"], r["fault"]) for r in EMU.log()]

        first = outcomes()
        faulted = [a for a, f in first if f]
        # only writes are faulted, about 30 % of them, the same ones for the same seed
        self.assertEqual(set(faulted), {"TagOpenIDConnectProvider"})
        writes = [a for a, _ in first if a == "TagOpenIDConnectProvider"]
        self.assertTrue(0.1 * len(writes) < len(faulted) < 0.6 * len(writes), first)
        self.assertEqual(outcomes(), first)
        with self.assertRaisesRegex(RuntimeError, "probability"):
            EMU.faults([{"kind": "status", "probability": 2}])

    def test_faults_apply_before_state_changes_and_log_flags(self):
        iam = client("iam")
        iam.create_open_id_connect_provider(Url=ISSUER, ThumbprintList=[THUMB])
        EMU.faults([{"service": "iam", "action": "CreateRole", "kind": "status", "status": 500,
                     "count": 1}])
        with self.assertRaises(ClientError) as cm:
            iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust())
        self.assertEqual(code_of(cm.exception), "InternalFailure")
        self.assertEqual(EMU.state()["accounts"][ALICE_ACCT]["roles"], {})
        iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust())
        iam.get_role(RoleName="app")
        iam.list_attached_role_policies(RoleName="app")
        iam.attach_role_policy(RoleName="app",
                               PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        client("sts").get_caller_identity()
        log = EMU.log()
        got = [(r["service"], r["action"], r["mutating"], r["status"]) for r in log]
        self.assertEqual(got, [
            ("iam", "CreateOpenIDConnectProvider", True, 200),
            ("iam", "CreateRole", True, 500),
            ("iam", "CreateRole", True, 200),
            ("iam", "GetRole", False, 200),
            ("iam", "ListAttachedRolePolicies", False, 200),
            ("iam", "AttachRolePolicy", True, 200),
            ("sts", "GetCallerIdentity", False, 200)])
        self.assertEqual([r["seq"] for r in log], list(range(1, 8)))
        for r in log:
            self.assertEqual((r["access_key"], r["signed"], r["method"], r["path"]),
                             (ALICE, True, "POST", "/"))
            self.assertIn("Botocore", r["user_agent"])
        self.assertEqual(log[0]["region"], "us-east-1")
        EMU.clear_log()
        self.assertEqual(EMU.log(), [])


class MetadataTests(EmulatorTest):
    def test_imdsv2_token_flow(self):
        EMU.seed(instance_role="node-role")
        creds_path = EMU.url + "/latest/meta-data/iam/security-credentials/"
        status, _, _ = send("GET", creds_path)
        self.assertEqual(status, 401)
        status, _, _ = send("PUT", EMU.url + "/latest/api/token")
        self.assertEqual(status, 400)  # the TTL header is required
        status, hdrs, token = send("PUT", EMU.url + "/latest/api/token",
                                   headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["x-aws-ec2-metadata-token-ttl-seconds"], "60")
        h = {"X-aws-ec2-metadata-token": token.decode()}
        status, _, body = send("GET", creds_path, headers=h)
        self.assertEqual((status, body), (200, b"node-role"))
        status, _, body = send("GET", creds_path + "node-role", headers=h)
        doc = json.loads(body)
        self.assertEqual((doc["Code"], doc["Type"]), ("Success", "AWS-HMAC"))
        self.assertRegex(doc["Expiration"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        status, _, body = send("GET", EMU.url + "/latest/meta-data/placement/region", headers=h)
        self.assertEqual(body, b"us-east-1")
        who = client("sts", key=doc["AccessKeyId"], secret=doc["SecretAccessKey"],
                     token=doc["Token"]).get_caller_identity()
        self.assertEqual(who["Arn"],
                         f"arn:aws:sts::{ALICE_ACCT}:assumed-role/node-role/i-0123456789abcdef0")
        status, _, _ = send("GET", creds_path, headers={"X-aws-ec2-metadata-token": "bogus"})
        self.assertEqual(status, 401)
        self.assertEqual(EMU.log()[0]["service"], "imds")

    def test_container_credentials_auth(self):
        status, _, body = send("GET", EMU.url + "/v2/credentials/abc")
        self.assertEqual(status, 200)  # no token seeded: open
        EMU.seed(container_token="secret-token",
                 container_role=f"arn:aws:iam::{ALICE_ACCT}:role/pod-role")
        for path in ("/v2/credentials/abc", "/pod-identity/credentials"):
            status, _, _ = send("GET", EMU.url + path)
            self.assertEqual(status, 401)
            status, _, _ = send("GET", EMU.url + path, headers={"Authorization": "nope"})
            self.assertEqual(status, 403)
            status, _, body = send("GET", EMU.url + path,
                                   headers={"Authorization": "secret-token"})
            self.assertEqual(status, 200)
            doc = json.loads(body)
            self.assertEqual(set(doc), {"AccessKeyId", "SecretAccessKey", "Token", "Expiration",
                                        "RoleArn"})
            self.assertEqual(doc["RoleArn"], f"arn:aws:iam::{ALICE_ACCT}:role/pod-role")
        who = client("sts", key=doc["AccessKeyId"], secret=doc["SecretAccessKey"],
                     token=doc["Token"]).get_caller_identity()
        self.assertIn(":assumed-role/pod-role/", who["Arn"])


class EksTests(EmulatorTest):
    def test_describe_cluster_and_not_found(self):
        EMU.seed(clusters=[{"name": "demo", "issuer": ISSUER, "version": "1.30"},
                           {"name": "other", "issuer": ISSUER, "region": "eu-west-1"}])
        eks = client("eks")
        c = eks.describe_cluster(name="demo")["cluster"]
        self.assertEqual(c["arn"], f"arn:aws:eks:us-east-1:{ALICE_ACCT}:cluster/demo")
        self.assertEqual(c["identity"]["oidc"]["issuer"], ISSUER)
        self.assertEqual((c["status"], c["version"]), ("ACTIVE", "1.30"))
        self.assertTrue(c["certificateAuthority"]["data"])
        self.assertEqual(eks.list_clusters()["clusters"], ["demo"])
        with self.assertRaises(ClientError) as cm:
            eks.describe_cluster(name="nope")
        self.assertEqual(code_of(cm.exception), "ResourceNotFoundException")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        # Raw: JSON body with a message and the x-amzn-ErrorType header.
        req = AWSRequest(method="GET", url=EMU.url + "/clusters/nope")
        SigV4Auth(Credentials(ALICE, ALICE_SECRET), "eks", "us-east-1").add_auth(req)
        status, hdrs, body = send("GET", req.url, headers=dict(req.headers.items()))
        self.assertEqual(status, 404)
        self.assertEqual(hdrs["x-amzn-errortype"], "ResourceNotFoundException")
        self.assertEqual(json.loads(body), {"message": "No cluster found for name: nope."})
        self.assertIn("x-amzn-requestid", hdrs)
        # Other accounts do not see the cluster.
        with self.assertRaises(ClientError):
            client("eks", key=BOB).describe_cluster(name="demo")


def iam_query(params, **kw):
    """A signed IAM Query request (Version added unless given), sent raw."""
    return signed_query({"Version": "2010-05-08", **params}, service="iam", **kw)


def tag_params(tags, prefix="Tags"):
    out = {}
    for i, (k, v) in enumerate(tags, 1):
        out[f"{prefix}.member.{i}.Key"] = k
        out[f"{prefix}.member.{i}.Value"] = v
    return out


class _PartialSigner(SigV4Auth):
    """botocore's signer, leaving the named headers out of SignedHeaders (still sent)."""

    def __init__(self, credentials, service, region, leave_out):
        super().__init__(credentials, service, region)
        self.leave_out = leave_out

    def headers_to_sign(self, request):
        hm = super().headers_to_sign(request)
        for name in self.leave_out:
            del hm[name]
        return hm


class StrictValidationTests(EmulatorTest):
    """Bad requests sent straight to the emulator get AWS's error code, status and message.

    Each request here is one that AWS refuses; botocore 1.29's own client-side
    validation would stop most of them, so they go out as raw signed requests.
    """

    def assertRefused(self, resp, status, code, message=None):
        got_status, hdrs, body = resp
        got_code, got_msg, typ = xml_error(body)
        self.assertEqual((got_status, got_code), (status, code), got_msg)
        self.assertEqual(typ, "Sender")
        root = ET.fromstring(body)
        self.assertEqual(root.find(root.tag.split("}")[0] + "}RequestId").text,
                         hdrs["x-amzn-requestid"])
        if message is not None:
            self.assertEqual(got_msg, message)
        return got_msg

    def create_role(self, name="app", doc=None, **extra):
        return iam_query({"Action": "CreateRole", "RoleName": name,
                          "AssumeRolePolicyDocument": doc or SERVICE_TRUST, **extra})

    def test_required_member_missing(self):
        self.assertRefused(iam_query({"Action": "CreateRole", "RoleName": "app"}), 400,
                           "ValidationError",
                           "1 validation error detected: Value null at 'assumeRolePolicyDocument' "
                           "failed to satisfy constraint: Member must not be null")

    def test_lengths(self):
        self.assertRefused(self.create_role("r" * 65), 400, "ValidationError",
                           f"1 validation error detected: Value '{'r' * 65}' at 'roleName' failed "
                           "to satisfy constraint: Member must have length less than or equal to 64")
        msg = self.assertRefused(self.create_role(""), 400, "ValidationError")
        self.assertIn("Member must have length greater than or equal to 1", msg)
        # Two constraints broken: both reported, as AWS does.
        msg = self.assertRefused(self.create_role("bad name!" * 8), 400, "ValidationError")
        self.assertTrue(msg.startswith("2 validation errors detected: "), msg)
        self.assertEqual(self.create_role("r" * 64)[0], 200)

    def test_pattern_java_semantics(self):
        self.assertRefused(self.create_role("bad name!"), 400, "ValidationError",
                           "1 validation error detected: Value 'bad name!' at 'roleName' failed to "
                           "satisfy constraint: Member must satisfy regular expression pattern: "
                           "[\\w+=,.@-]+")
        # Java's \w is ASCII: a letter outside ASCII is refused.
        self.assertRefused(self.create_role("r\u00f4le"), 400, "ValidationError")
        # The whole value must match: '/a/b' starts with a valid '/' but is not a path.
        self.assertRefused(self.create_role("app", Path="/a/b"), 400, "ValidationError")
        # Today's pathType stops at U+007E; Debian's 1.29 model still allowed DEL.
        self.assertRefused(self.create_role("app", Path="/a\x7f/"), 400, "ValidationError")
        # \p{L} is Unicode: a tag key in any script is fine, '*' is not.
        self.assertEqual(self.create_role("app", **tag_params([("\u00e9quipe", "caf\u00e9")]))[0],
                         200)
        msg = self.assertRefused(iam_query({"Action": "TagRole", "RoleName": "app",
                                            **tag_params([("bad*key", "v")])}),
                                 400, "ValidationError")
        self.assertEqual(msg, "1 validation error detected: Value 'bad*key' at "
                         "'tags.1.member.key' failed to satisfy constraint: Member must satisfy "
                         "regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+")

    def test_role_description_today_rule(self):
        # Control characters are refused (the error answer still parses as XML);
        # tab, newline and Latin-1 are fine; beyond U+00FF is refused nowadays.
        for bad in ("line\x01", "bell\x07", "euro \u20ac"):
            msg = self.assertRefused(self.create_role("app", Description=bad), 400,
                                     "ValidationError")
            self.assertIn("at 'description' failed to satisfy constraint: Member must satisfy "
                          "regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E"
                          "\\u00A1-\\u00FF]*", msg)
        ok = "tab\there\r\nand caf\u00e9"
        self.assertEqual(self.create_role("app", Description=ok)[0], 200)
        self.assertEqual(client("iam").get_role(RoleName="app")["Role"]["Description"], ok)

    def test_enum_and_integer_ranges(self):
        self.assertRefused(iam_query({"Action": "ListPolicies", "Scope": "Everything"}), 400,
                           "ValidationError",
                           "1 validation error detected: Value 'Everything' at 'scope' failed to "
                           "satisfy constraint: Member must satisfy enum value set: "
                           "[All, AWS, Local]")
        self.assertRefused(self.create_role("app", MaxSessionDuration="60"), 400,
                           "ValidationError",
                           "1 validation error detected: Value '60' at 'maxSessionDuration' "
                           "failed to satisfy constraint: Member must have value greater than or "
                           "equal to 3600")
        self.assertRefused(iam_query({"Action": "ListRoles", "MaxItems": "1001"}), 400,
                           "ValidationError")
        self.assertRefused(iam_query({"Action": "ListRoles", "MaxItems": "ten"}), 400,
                           "ValidationError",
                           "1 validation error detected: Value 'ten' at 'maxItems' failed to "
                           "satisfy constraint: Member must be a number")

    def test_unknown_parameters(self):
        self.assertRefused(self.create_role("app", Colour="blue"), 400, "InvalidQueryParameter")
        self.assertRefused(self.create_role("app", **{"Tags.member.1.Key": "k",
                                                      "Tags.member.1.Value": "v",
                                                      "Tags.member.1.Colour": "blue"}),
                           400, "InvalidQueryParameter")
        self.assertRefused(signed_query({**GCI, "RoleName": "x"}), 400, "InvalidQueryParameter")
        self.assertEqual(EMU.state()["accounts"].get(ALICE_ACCT, {}).get("roles", {}), {})

    def test_version_required_and_checked(self):
        self.assertRefused(signed_query({"Action": "GetCallerIdentity"}), 400, "InvalidAction",
                           "Could not find operation GetCallerIdentity for version "
                           "NO_VERSION_SPECIFIED")
        self.assertRefused(iam_query({"Action": "ListRoles", "Version": "2011-06-15"}), 400,
                           "InvalidAction",
                           "Could not find operation ListRoles for version 2011-06-15")
        self.assertRefused(iam_query({"Action": "CreateBucket"}), 400, "InvalidAction")

    def test_tags_iam_rules(self):
        self.assertRefused(self.create_role("app", **tag_params([("Env", "a"), ("env", "b")])),
                           400, "InvalidInput", DUPLICATE_TAGS)
        for key in ("aws:owner", "AWS:owner"):
            self.assertRefused(self.create_role("app", **tag_params([(key, "x")])), 400,
                               "InvalidInput")
        self.assertRefused(self.create_role("app", **tag_params(
            [(f"k{i}", "v") for i in range(51)])), 400, "ValidationError")
        self.assertEqual(self.create_role("app", **tag_params([("Env", "a")]))[0], 200)
        self.assertRefused(iam_query({"Action": "UntagRole", "RoleName": "app",
                                      "TagKeys.member.1": "aws:cloudformation:stack-name"}),
                           400, "InvalidInput")
        # Keys are unique without regard to case: 'env' replaces 'Env'.
        iam = client("iam")
        iam.tag_role(RoleName="app", Tags=[{"Key": "env", "Value": "b"}])
        self.assertEqual(iam.list_role_tags(RoleName="app")["Tags"], [{"Key": "env", "Value": "b"}])
        iam.untag_role(RoleName="app", TagKeys=["ENV"])
        self.assertEqual(iam.list_role_tags(RoleName="app")["Tags"], [])
        iam.tag_role(RoleName="app", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
        self.assertRefused(iam_query({"Action": "TagRole", "RoleName": "app",
                                      **tag_params([("one-more", "v")])}),
                           409, "LimitExceeded", "Cannot exceed quota for TagsPerRole: 50")

    def test_policy_grammar(self):
        no_version = json.dumps({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]})
        self.assertEqual(self.create_role("app", no_version)[0], 200)  # IAM accepts it
        self.assertEqual(iam_query({"Action": "PutRolePolicy", "RoleName": "app",
                                    "PolicyName": "p", "PolicyDocument": json.dumps({
                                        "Statement": {"Effect": "Allow", "Action": "s3:*",
                                                      "Resource": "*"}})})[0], 200)
        bad_docs = {
            "trust without Principal": ("trust", {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole"}]}),
            "Sid not alphanumeric": ("trust", {"Version": "2012-10-17", "Statement": [
                {"Sid": "allow-ec2", "Effect": "Allow", "Action": "sts:AssumeRole",
                 "Principal": {"Service": "ec2.amazonaws.com"}}]}),
            "identity policy with Principal": ("identity", {"Version": "2012-10-17",
                                                            "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}),
            "principal in another partition": ("trust", {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {
                    "Federated": PROVIDER_ARN.replace("arn:aws:", "arn:aws-cn:")}}]}),
            "unknown Version": ("identity", {"Version": "2020-01-01", "Statement": [{
                "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
        }
        for what, (kind, doc) in bad_docs.items():
            if kind == "trust":
                resp = iam_query({"Action": "UpdateAssumeRolePolicy", "RoleName": "app",
                                  "PolicyDocument": json.dumps(doc)})
            else:
                resp = iam_query({"Action": "CreatePolicy", "PolicyName": "p",
                                  "PolicyDocument": json.dumps(doc)})
            with self.subTest(what):
                self.assertRefused(resp, 400, "MalformedPolicyDocument")

    def test_policy_sizes_count_without_whitespace(self):
        def trust_of_size(n, pad=""):
            base = json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:PrincipalTag/x": "X"}}}]},
                separators=(",", ":"))
            doc = base.replace('"X"', '"' + "x" * (n - len(base) + 1) + '"')
            self.assertEqual(len(doc), n)
            return doc.replace(",", "," + pad)
        self.assertEqual(self.create_role("fits", trust_of_size(2048, pad=" " * 40))[0], 200)
        self.assertRefused(self.create_role("big", trust_of_size(2049)), 409, "LimitExceeded",
                           "Cannot exceed quota for ACLSizePerRole: 2048")
        EMU.seed(quotas={"ACLSizePerRole": 4096})  # raised to IAM's hard maximum
        self.assertEqual(self.create_role("big", trust_of_size(4096))[0], 200)
        self.assertRefused(self.create_role("bigger", trust_of_size(4097)), 409, "LimitExceeded")
        with self.assertRaisesRegex(RuntimeError, "4096 at most"):
            EMU.seed(quotas={"ACLSizePerRole": 4097})

        def policy_of_size(n):
            base = json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::X"}]},
                separators=(",", ":"))
            return base.replace("X", "x" * (n - len(base) + 1))
        self.assertEqual(iam_query({"Action": "CreatePolicy", "PolicyName": "p6144",
                                    "PolicyDocument": policy_of_size(6144)})[0], 200)
        self.assertRefused(iam_query({"Action": "CreatePolicy", "PolicyName": "p6145",
                                      "PolicyDocument": policy_of_size(6145)}),
                           409, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144")
        # Inline policies: 10,240 per role in aggregate.
        for name, size in (("a", 5000), ("b", 5240)):
            self.assertEqual(iam_query({"Action": "PutRolePolicy", "RoleName": "fits",
                                        "PolicyName": name,
                                        "PolicyDocument": policy_of_size(size)})[0], 200)
        self.assertRefused(iam_query({"Action": "PutRolePolicy", "RoleName": "fits",
                                      "PolicyName": "c", "PolicyDocument": policy_of_size(100)}),
                           409, "LimitExceeded")

    def test_policy_arn_partition_and_attach_quota(self):
        self.assertEqual(self.create_role("app")[0], 200)
        for arn in ("arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess",
                    f"arn:aws-us-gov:iam::{ALICE_ACCT}:policy/p"):
            for action in ("AttachRolePolicy", "DetachRolePolicy"):
                self.assertRefused(iam_query({"Action": action, "RoleName": "app",
                                              "PolicyArn": arn}), 400, "InvalidInput")
        self.assertRefused(self.create_role("app2", PermissionsBoundary=(
            "arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess")), 400, "InvalidInput")

    def test_oidc_provider_url_rules(self):
        bad = {"http://issuer.example/id/1": "InvalidInput",
               "https://issuer.example:8443/id/1": "InvalidInput",
               "https://user@issuer.example/id/1": "InvalidInput",
               "https://issuer.example/id/1?x=1": "InvalidInput",
               "https://issuer.example/id/1#frag": "InvalidInput",
               "https:///id/1": "InvalidInput",
               "https://issuer.example/" + "x" * 240: "ValidationError"}
        for url, code in bad.items():
            with self.subTest(url):
                self.assertRefused(iam_query({"Action": "CreateOpenIDConnectProvider",
                                              "Url": url}), 400, code)
        for tp, code in (("a" * 39, "ValidationError"), ("g" * 40, "InvalidInput")):
            self.assertRefused(iam_query({"Action": "CreateOpenIDConnectProvider",
                                          "Url": "https://issuer.example/id/1",
                                          "ThumbprintList.member.1": tp}), 400, code)
        self.assertRefused(iam_query({"Action": "CreateOpenIDConnectProvider",
                                      "Url": "https://issuer.example/id/1",
                                      "ClientIDList.member.1": ""}), 400, "ValidationError")
        self.assertEqual(EMU.state()["accounts"].get(ALICE_ACCT, {}).get("oidc_providers", {}),
                         {})

    def test_every_model_pattern_compiles(self):
        from aws import model
        for svc in ("iam", "sts", "eks"):
            mdl = model.service(svc)
            for name, shape in mdl.shapes.items():
                if "pattern" in shape:
                    with self.subTest(f"{svc}:{name}"):
                        model.java_regex(shape["pattern"])
        rx = model.java_regex(r"[\w+=,.@-]+")
        self.assertIsNone(rx.fullmatch("\u00e9"))
        self.assertIsNone(rx.fullmatch("ab cd"))
        self.assertIsNotNone(model.java_regex(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+").fullmatch(
            "\u65e5\u672c \u0661"))
        with self.assertRaises(ValueError):
            model.java_regex(r"[\p{IsAlphabetic}]")
        with self.assertRaises(ValueError):
            model.java_regex(r"[a-z&&[^x]]")


class UnsignedHeaderTests(EmulatorTest):
    """Every x-amz-* header sent must be signed (SigV4)."""

    def send_signed(self, creds, leave_out=(), extra=None):
        body = urllib.parse.urlencode(GCI)
        req = AWSRequest(method="POST", url=EMU.url + "/", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **(extra or {})})
        _PartialSigner(creds, "sts", "us-east-1", leave_out).add_auth(req)
        return send("POST", EMU.url + "/", body.encode(), dict(req.headers.items()))

    def test_unsigned_amz_headers_refused(self):
        alice = Credentials(ALICE, ALICE_SECRET)
        self.assertEqual(self.send_signed(alice)[0], 200)
        status, _, body = self.send_signed(alice, leave_out=["x-amz-date"])
        code, msg, _ = xml_error(body)
        self.assertEqual((status, code), (403, "SignatureDoesNotMatch"))
        self.assertIn("HeadersNotSigned: x-amz-date", msg)
        status, _, body = self.send_signed(alice, leave_out=["x-amz-meta-x"],
                                           extra={"X-Amz-Meta-X": "1"})
        self.assertEqual((status, xml_error(body)[0]), (403, "SignatureDoesNotMatch"))

        EMU.seed(assumable_roles=[f"arn:aws:iam::{ALICE_ACCT}:role/t"])
        temp = client("sts").assume_role(RoleArn=f"arn:aws:iam::{ALICE_ACCT}:role/t",
                                         RoleSessionName="s1")["Credentials"]
        creds = Credentials(temp["AccessKeyId"], temp["SecretAccessKey"], temp["SessionToken"])
        self.assertEqual(self.send_signed(creds)[0], 200)
        status, _, body = self.send_signed(creds, leave_out=["x-amz-security-token"])
        code, msg, _ = xml_error(body)
        self.assertEqual((status, code), (403, "SignatureDoesNotMatch"))
        self.assertIn("HeadersNotSigned: x-amz-security-token", msg)


class EksValidationTests(EmulatorTest):
    def eks_get(self, path):
        req = AWSRequest(method="GET", url=EMU.url + path)
        SigV4Auth(Credentials(ALICE, ALICE_SECRET), "eks", "us-east-1").add_auth(req)
        status, hdrs, body = send("GET", req.url, headers=dict(req.headers.items()))
        return status, hdrs.get("x-amzn-errortype"), json.loads(body)

    def test_model_constraints_and_unknown_parameters(self):
        EMU.seed(clusters=[{"name": "demo", "issuer": ISSUER,
                            "addons": {"eks-pod-identity-agent": {"version": "v1.3.4-eksbuild.1"}}}])
        status, typ, body = self.eks_get("/clusters?maxResults=0")
        self.assertEqual((status, typ), (400, "InvalidParameterException"))
        self.assertEqual(body["message"], "1 validation error detected: Value '0' at "
                         "'maxResults' failed to satisfy constraint: Member must have value "
                         "greater than or equal to 1")
        self.assertEqual(self.eks_get("/clusters?maxResults=abc")[:2],
                         (400, "InvalidParameterException"))
        self.assertEqual(self.eks_get("/clusters?colour=blue")[:2],
                         (400, "InvalidParameterException"))
        self.assertEqual(self.eks_get("/clusters?maxResults=1")[2], {"clusters": ["demo"]})
        # DescribeAddon (from the overlay's newer model).
        status, _, body = self.eks_get("/clusters/demo/addons/eks-pod-identity-agent")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["addon"]["addonVersion"], "v1.3.4-eksbuild.1")
        self.assertEqual(self.eks_get("/clusters/demo/addons/vpc-cni")[:2],
                         (404, "ResourceNotFoundException"))
        self.assertEqual(self.eks_get("/nothing/here")[:2], (404, "UnknownOperationException"))

    def eks_call(self, method, path, doc=None):
        body = json.dumps(doc).encode() if doc is not None else b""
        req = AWSRequest(method=method, url=EMU.url + path, data=body,
                         headers={"Content-Type": "application/json"} if body else {})
        SigV4Auth(Credentials(ALICE, ALICE_SECRET), "eks", "us-east-1").add_auth(req)
        status, hdrs, out = send(method, req.url, body, dict(req.headers.items()))
        return status, hdrs.get("x-amzn-errortype"), json.loads(out)

    def test_pod_identity_associations(self):
        """The operations of the newer EKS model (botocore 1.29 has none of them)."""
        EMU.seed(clusters=[{"name": "demo", "issuer": ISSUER}])
        base = "/clusters/demo/pod-identity-associations"
        role = f"arn:aws:iam::{ALICE_ACCT}:role/app"
        status, _, out = self.eks_call("POST", base, {"namespace": "default",
                                                      "serviceAccount": "app", "roleArn": role})
        self.assertEqual(status, 200, out)
        a = out["association"]
        self.assertRegex(a["associationId"], r"^a-[0-9a-z]{17}$")
        self.assertEqual(a["associationArn"], f"arn:aws:eks:us-east-1:{ALICE_ACCT}:"
                         f"podidentityassociation/demo/{a['associationId']}")
        # One association per service account; the model's rules; role ARNs only.
        self.assertEqual(self.eks_call("POST", base, {"namespace": "default",
                                                      "serviceAccount": "app",
                                                      "roleArn": role})[:2],
                         (409, "ResourceInUseException"))
        self.assertEqual(self.eks_call("POST", base, {"namespace": "default",
                                                      "serviceAccount": "x"})[:2],
                         (400, "InvalidParameterException"))
        self.assertEqual(self.eks_call("POST", base, {"namespace": "default",
                                                      "serviceAccount": "x", "roleArn": role,
                                                      "colour": "blue"})[:2],
                         (400, "InvalidParameterException"))
        self.assertEqual(self.eks_call("POST", base, {"namespace": "default",
                                                      "serviceAccount": "x",
                                                      "roleArn": "arn:aws-cn:iam::111122223333:"
                                                                 "role/app"})[:2],
                         (400, "InvalidParameterException"))
        # What EKS refuses beyond the model: a role of another account than the
        # cluster's, a target role that is the role, a policy with session tags.
        for bad in ({"roleArn": "arn:aws:iam::444455556666:role/app"},
                    {"roleArn": role, "targetRoleArn": role},
                    {"roleArn": role, "policy": '{"Version":"2012-10-17","Statement":[]}'},
                    {"roleArn": role, "tags": {"aws:team": "x"}}):
            self.assertEqual(self.eks_call("POST", base, dict(
                {"namespace": "default", "serviceAccount": "y"}, **bad))[:2],
                (400, "InvalidParameterException"), bad)
        listed = self.eks_call("GET", base + "?namespace=default")[2]
        self.assertEqual([x["serviceAccount"] for x in listed["associations"]], ["app"])
        self.assertEqual(self.eks_call("GET", base + "?namespace=other")[2], {"associations": []})
        path = f"{base}/{a['associationId']}"
        other = f"arn:aws:iam::{ALICE_ACCT}:role/other"
        self.assertEqual(self.eks_call("POST", path, {"roleArn": other})[2]["association"]
                         ["roleArn"], other)
        self.assertEqual(self.eks_call("GET", path)[2]["association"]["roleArn"], other)
        self.assertEqual(self.eks_call("DELETE", path)[0], 200)
        self.assertEqual(self.eks_call("GET", path)[:2], (404, "ResourceNotFoundException"))
        self.assertEqual(self.eks_call("GET", "/clusters/nope/pod-identity-associations")[:2],
                         (404, "ResourceNotFoundException"))
        log = EMU.log()
        self.assertEqual([r["action"] for r in log if r["mutating"] and r["status"] == 200],
                         ["CreatePodIdentityAssociation", "UpdatePodIdentityAssociation",
                          "DeletePodIdentityAssociation"])


@unittest.skipUnless(os.path.exists("/usr/bin/aws"), "/usr/bin/aws (Debian awscli) is not installed")
class AwsCliTests(EmulatorTest):
    def aws(self, *args):
        env = EMU.clean_env()
        env.pop("AWS_ENDPOINT_URL")  # awscli 2.9 ignores it; pass --endpoint-url
        env["HOME"] = self.home
        proc = subprocess.run(["/usr/bin/aws", "--endpoint-url", EMU.url, "--output", "json",
                               *args], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    def aws_fails(self, *args):
        """Run a command the emulator must refuse; return awscli's stderr."""
        env = EMU.clean_env()
        env.pop("AWS_ENDPOINT_URL")
        env["HOME"] = self.home
        proc = subprocess.run(["/usr/bin/aws", "--endpoint-url", EMU.url, "--output", "json",
                               *args], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 254, proc.stderr)  # awscli v2: the service said no
        return proc.stderr

    def setUp(self):
        super().setUp()
        self.home = tempfile.mkdtemp(prefix="aws-cli-home-")
        EMU.seed(clusters=[{"name": "demo", "issuer": ISSUER}])

    def tearDown(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def test_real_aws_cli_is_accepted(self):
        who = self.aws("sts", "get-caller-identity")
        self.assertEqual(who, {"UserId": "AIDAIRSATESTALICE001", "Account": ALICE_ACCT,
                               "Arn": "arn:aws:iam::111122223333:user/alice"})
        cluster = self.aws("eks", "describe-cluster", "--name", "demo")["cluster"]
        self.assertEqual(cluster["identity"]["oidc"]["issuer"], ISSUER)
        prov = self.aws("iam", "create-open-id-connect-provider", "--url", ISSUER,
                        "--client-id-list", "sts.amazonaws.com", "--thumbprint-list", THUMB,
                        "--tags", "Key=cluster,Value=demo")
        self.assertEqual(prov["OpenIDConnectProviderArn"], PROVIDER_ARN)
        role = self.aws("iam", "create-role", "--role-name", "app-sa",
                        "--assume-role-policy-document", trust(),
                        "--tags", "Key=owner,Value=irsactl")["Role"]
        self.assertEqual(role["Arn"], f"arn:aws:iam::{ALICE_ACCT}:role/app-sa")
        self.aws("iam", "attach-role-policy", "--role-name", "app-sa", "--policy-arn",
                 "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        got = self.aws("iam", "get-role", "--role-name", "app-sa")["Role"]
        self.assertEqual(got["AssumeRolePolicyDocument"], json.loads(trust()))
        att = self.aws("iam", "list-attached-role-policies", "--role-name", "app-sa")
        self.assertEqual(att["AttachedPolicies"], [{
            "PolicyName": "AmazonS3ReadOnlyAccess",
            "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}])
        self.assertTrue(all(r["status"] == 200 for r in EMU.log()))
        self.assertTrue(all("aws-cli/" in r["user_agent"] for r in EMU.log()))


    def test_real_aws_cli_refused_like_aws(self):
        """awscli checks neither patterns nor IAM's own rules: the emulator must."""
        cases = [
            (("iam", "create-role", "--role-name", "bad name!",
              "--assume-role-policy-document", SERVICE_TRUST), "ValidationError",
             "Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
            (("iam", "create-role", "--role-name", "app", "--description", "bell\x07",
              "--assume-role-policy-document", SERVICE_TRUST), "ValidationError",
             "at 'description' failed to satisfy constraint"),
            (("iam", "create-role", "--role-name", "app", "--assume-role-policy-document",
              SERVICE_TRUST, "--tags", "Key=Env,Value=a", "Key=env,Value=b"), "InvalidInput",
             DUPLICATE_TAGS),
            (("iam", "create-role", "--role-name", "app", "--assume-role-policy-document",
              SERVICE_TRUST, "--tags", "Key=aws:owner,Value=a"), "InvalidInput", "aws:"),
            (("iam", "create-role", "--role-name", "app", "--assume-role-policy-document",
              SERVICE_TRUST, "--tags", "Key=bad*key,Value=a"), "ValidationError",
             "'tags.1.member.key'"),
            (("iam", "create-open-id-connect-provider", "--url", "https://issuer.example:8443/x",
              "--thumbprint-list", THUMB), "InvalidInput", "port"),
        ]
        for args, code, text in cases:
            with self.subTest(args[1:4]):
                err = self.aws_fails(*args)
                self.assertIn(f"({code})", err)
                self.assertIn(text, err)
        self.assertEqual(EMU.state()["accounts"].get(ALICE_ACCT, {}).get("roles", {}), {})
        # Everything reached the emulator, signed with every x-amz-* header.
        self.assertEqual([r["status"] for r in EMU.log()], [400] * len(cases))
        self.assertTrue(all(r["signed"] for r in EMU.log()))


class LifecycleTests(unittest.TestCase):
    def test_sigterm_stops_cleanly(self):
        emu = AwsEmulator().start()
        proc = emu.proc
        u = urllib.parse.urlsplit(emu.url)
        idle = socket.create_connection((u.hostname, u.port))  # an idle keep-alive client
        t0 = time.monotonic()
        proc.terminate()
        rc = proc.wait(5)
        self.assertEqual(rc, 0)
        self.assertLess(time.monotonic() - t0, 3)
        idle.close()
        emu.stop()


# ---------------------------------------------------------------------------
# AssumeRoleWithWebIdentity with real tokens, the emulator's own policy evaluator,
# SimulatePrincipalPolicy, ListRoles over many pages

from aws.policy_eval import (ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request,  # noqa: E402
                             evaluate, glob_match, web_identity_request)
from clitest import KubeEmulatorFixture  # noqa: E402


class PolicyEvalUnitTests(unittest.TestCase):
    KEY = "oidc.example.com/id/1"
    PROV = f"arn:aws:iam::{ALICE_ACCT}:oidc-provider/oidc.example.com/id/1"

    def trust_doc(self, *stmts):
        return {"Version": "2012-10-17", "Statement": list(stmts)}

    def stmt(self, cond, effect="Allow", principal=None, action="sts:AssumeRoleWithWebIdentity"):
        return {"Effect": effect, "Principal": principal or {"Federated": self.PROV}, "Action": action,
                "Condition": cond}

    def decide(self, doc, sub="system:serviceaccount:default:app", aud="sts.amazonaws.com"):
        req = web_identity_request(self.PROV, self.KEY, sub, aud)
        return evaluate([("trust", doc)], req, resource_policy=True)[0]

    def test_glob(self):
        self.assertTrue(glob_match("a*c?", "abbcd"))
        self.assertFalse(glob_match("a*c?", "abbc"))
        self.assertTrue(glob_match("a.b", "a.b"))
        self.assertFalse(glob_match("a.b", "axb"))
        self.assertTrue(glob_match("STS:*", "sts:AssumeRole", ignore_case=True))

    def test_trust_decisions(self):
        k = self.KEY
        cases = [
            ({"StringEquals": {k + ":sub": "system:serviceaccount:default:app"}}, ALLOWED),
            ({"StringEquals": {k.upper() + ":SUB": "system:serviceaccount:default:app"}}, ALLOWED),
            ({"StringEquals": {k + ":sub": "system:serviceaccount:Default:app"}}, IMPLICIT_DENY),
            ({"StringEqualsIgnoreCase": {k + ":sub": "SYSTEM:serviceaccount:default:APP"}}, ALLOWED),
            ({"StringLike": {k + ":sub": "system:serviceaccount:default:*"}}, ALLOWED),
            ({"StringLike": {k + ":sub": "system:serviceaccount:other:*"}}, IMPLICIT_DENY),
            ({"StringNotEquals": {k + ":sub": "x"}}, ALLOWED),
            ({"StringNotLike": {k + ":sub": "*:default:*"}}, IMPLICIT_DENY),
            ({"StringEquals": {k + ":amr": "x"}}, IMPLICIT_DENY),
            ({"StringNotEquals": {k + ":amr": "x"}}, ALLOWED),
            ({"StringEqualsIfExists": {k + ":amr": "x"}}, ALLOWED),
            ({"Null": {k + ":amr": "true"}}, ALLOWED),
            ({"Null": {k + ":sub": "true"}}, IMPLICIT_DENY),
            ({"ForAllValues:StringEquals": {k + ":amr": "x"}}, ALLOWED),
            ({"ForAnyValue:StringEquals": {k + ":amr": "x"}}, IMPLICIT_DENY),
            ({"StringEquals": {k + ":aud": ["a", "sts.amazonaws.com"]}}, ALLOWED),
            ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, IMPLICIT_DENY),
        ]
        for cond, want in cases:
            with self.subTest(cond=cond):
                self.assertEqual(self.decide(self.trust_doc(self.stmt(cond))), want)

    def test_deny_principal_and_action(self):
        allow = self.stmt({})
        deny = self.stmt({"StringLike": {self.KEY + ":sub": "*:default:*"}}, effect="Deny", principal="*",
                         action="sts:*")
        self.assertEqual(self.decide(self.trust_doc(allow, deny)), EXPLICIT_DENY)
        self.assertEqual(self.decide(self.trust_doc(allow, deny), sub="system:serviceaccount:x:app"), ALLOWED)
        other = self.stmt({}, principal={"Federated": "arn:aws:iam::1:oidc-provider/other"})
        self.assertEqual(self.decide(self.trust_doc(other)), IMPLICIT_DENY)
        self.assertEqual(self.decide(self.trust_doc(self.stmt({}, action="sts:AssumeRole"))), IMPLICIT_DENY)
        not_action = {"Effect": "Allow", "Principal": {"AWS": "*"}, "NotAction": "iam:*"}
        self.assertEqual(self.decide(self.trust_doc(not_action)), ALLOWED)

    def test_identity_policy_resources(self):
        doc = {"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
                             {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/secret/*"}]}
        self.assertEqual(evaluate([("p", doc)], Request("s3:GetObject", resource="arn:aws:s3:::b/x"))[0], ALLOWED)
        self.assertEqual(evaluate([("p", doc)], Request("s3:GetObject", resource="arn:aws:s3:::b/secret/x"))[0],
                         EXPLICIT_DENY)
        self.assertEqual(evaluate([("p", doc)], Request("s3:PutObject", resource="arn:aws:s3:::b/x"))[0],
                         IMPLICIT_DENY)


def unsigned_sts(emu=None):
    from botocore import UNSIGNED
    session = botocore.session.Session()
    return session.create_client("sts", region_name="us-east-1", endpoint_url=(emu or EMU).url,
                                 config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))


class WebIdentityTests(KubeEmulatorFixture, EmulatorTest):
    """Tokens signed by the Kubernetes emulator (the issuer), checked by STS against its JWKS."""

    def setUp(self):
        super().setUp()
        self.kube.seed(namespaces=["apps"], serviceaccounts=[{"namespace": "apps", "name": "web"}])
        self.issuer = self.kube.url
        self.key = self.issuer[len("https://"):]
        self.provider = f"arn:aws:iam::{ALICE_ACCT}:oidc-provider/{self.key}"
        EMU.seed(issuer_url_ports=True, oidc_ca_bundle=self.kube.ca_path,
                 oidc_providers=[{"url": self.issuer, "client_ids": ["sts.amazonaws.com"]}])

    def seed_role(self, name="web-role", sub="system:serviceaccount:apps:web", extra=(), op="StringEquals"):
        doc = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": self.provider},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {op: {self.key + ":sub": sub, self.key + ":aud": "sts.amazonaws.com"}}}]
            + list(extra)}
        EMU.seed(roles=[{"name": name, "trust": doc}])
        return f"arn:aws:iam::{ALICE_ACCT}:role/{name}"

    def token(self, name="web", ns="apps", audience="sts.amazonaws.com", seconds=600):
        s, tr, _ = self.kube.request("POST", f"/api/v1/namespaces/{ns}/serviceaccounts/{name}/token",
                                     body={"spec": {"audiences": [audience], "expirationSeconds": seconds}})
        self.assertEqual(s, 201, tr)
        return tr["status"]["token"]

    def assume(self, role_arn, token):
        return unsigned_sts().assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="verify",
                                                           WebIdentityToken=token)

    def refused(self, role_arn, token):
        with self.assertRaises(ClientError) as cm:
            self.assume(role_arn, token)
        return code_of(cm.exception), cm.exception.response["Error"]["Message"]

    def test_valid_token_gives_working_credentials(self):
        arn = self.seed_role()
        out = self.assume(arn, self.token())
        self.assertEqual(out["AssumedRoleUser"]["Arn"], f"arn:aws:sts::{ALICE_ACCT}:assumed-role/web-role/verify")
        self.assertEqual(out["SubjectFromWebIdentityToken"], "system:serviceaccount:apps:web")
        self.assertEqual(out["Audience"], "sts.amazonaws.com")
        c = out["Credentials"]
        who = client("sts", key=c["AccessKeyId"], secret=c["SecretAccessKey"], token=c["SessionToken"])
        self.assertEqual(who.get_caller_identity()["Arn"], out["AssumedRoleUser"]["Arn"])
        fetched = [e["path"] for e in self.kube.log() if e["auth"] == "none"]
        self.assertEqual(fetched, ["/.well-known/openid-configuration", "/keys"])

    def test_trust_policy_is_evaluated(self):
        self.assertEqual(self.refused(self.seed_role(sub="system:serviceaccount:other:web"), self.token()),
                         ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"))
        self.assertEqual(self.refused(self.seed_role(name="like", op="StringLike",
                                                     sub="system:serviceaccount:apps:w?b-*"), self.token())[0],
                         "AccessDenied")
        self.assertIsNotNone(self.assume(self.seed_role(name="like2", op="StringLike",
                                                        sub="system:serviceaccount:apps:*"), self.token()))
        deny = {"Effect": "Deny", "Principal": "*", "Action": "sts:*",
                "Condition": {"StringEquals": {self.key + ":sub": "system:serviceaccount:apps:web"}}}
        self.assertEqual(self.refused(self.seed_role(name="denied", extra=[deny]), self.token())[0],
                         "AccessDenied")
        self.assertEqual(self.refused(f"arn:aws:iam::{ALICE_ACCT}:role/missing", self.token())[0],
                         "AccessDenied")

    def test_provider_audience_and_issuer(self):
        arn = self.seed_role()
        EMU.reset()
        EMU.seed(issuer_url_ports=True, oidc_ca_bundle=self.kube.ca_path,
                 roles=[{"name": "web-role", "trust": {"Statement": []}}])
        code, msg = self.refused(arn, self.token())
        self.assertEqual((code, msg), ("InvalidIdentityToken",
                                       f"No OpenIDConnect provider found in your account for {self.issuer}"))
        self.setUp()
        arn = self.seed_role()
        self.assertEqual(self.refused(arn, self.token(audience="vault")),
                         ("InvalidIdentityToken", "Incorrect token audience"))
        # a token whose issuer is not the provider's (the cluster's issuer changed)
        self.kube.seed(issuer=self.issuer + "/id/OTHER")
        code, msg = self.refused(arn, self.token())
        self.assertEqual(code, "InvalidIdentityToken")
        self.assertIn("No OpenIDConnect provider found in your account for " + self.issuer + "/id/OTHER", msg)

    def test_signature_expiry_and_jwks(self):
        arn = self.seed_role()
        tok = self.token()
        head, claims, sig = tok.split(".")
        forged = head + "." + claims + "." + sig[:-4] + ("AAAA" if not sig.endswith("AAAA") else "BBBB")
        self.assertEqual(self.refused(arn, forged)[0], "InvalidIdentityToken")
        self.assertIn("could not be validated", self.refused(arn, forged)[1])
        self.assertEqual(self.refused(arn, "not-a-jwt")[0], "InvalidIdentityToken")
        EMU.seed(clock_offset=601)
        code, msg = self.refused(arn, tok)
        self.assertEqual(code, "ExpiredTokenException")
        self.assertIn("Token expired", msg)
        EMU.seed(clock_offset=0, oidc_ca_bundle=None)  # the issuer's certificate is not trusted
        code, msg = self.refused(arn, tok)
        self.assertEqual(code, "InvalidIdentityToken")
        self.assertIn("Couldn't retrieve verification key", msg)

    def test_issuer_name_without_port_mapped_to_the_issuer(self):
        issuer = "https://oidc.irsactl.test/id/MAPPED"
        self.kube.seed(issuer=issuer)
        EMU.reset()
        EMU.seed(oidc_ca_bundle=self.kube.ca_path, oidc_host_map={"oidc.irsactl.test": f"127.0.0.1:{self.kube.port}"},
                 oidc_providers=[{"url": issuer}])
        self.key, self.provider = issuer[len("https://"):], f"arn:aws:iam::{ALICE_ACCT}:oidc-provider/oidc.irsactl.test/id/MAPPED"
        arn = self.seed_role()
        out = self.assume(arn, self.token())
        self.assertEqual(out["Provider"], self.provider)
        self.assertIn("/id/MAPPED/keys", [e["path"] for e in self.kube.log()])
        EMU.seed(oidc_host_map={})  # the name does not resolve: no key can be fetched
        self.assertIn("Couldn't retrieve verification key", self.refused(arn, self.token())[1])

    def test_token_never_logged(self):
        arn = self.seed_role(sub="system:serviceaccount:other:web")
        tok = self.token()
        self.refused(arn, tok)
        self.assertNotIn(tok, json.dumps(EMU.log()))
        self.assertNotIn(tok.split(".")[2], json.dumps(EMU.log()))


class SimulateTests(EmulatorTest):
    def setUp(self):
        super().setUp()
        EMU.seed(policies=[{"name": "s3-read", "document": {"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]}]}}],
            roles=[{"name": "app", "attached_policies": [f"arn:aws:iam::{ALICE_ACCT}:policy/s3-read"],
                    "inline_policies": {"no-secret": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::data/secret/*"}]}}}])
        self.arn = f"arn:aws:iam::{ALICE_ACCT}:role/app"

    def simulate(self, actions, resources=None, arn=None):
        kw = {"PolicySourceArn": arn or self.arn, "ActionNames": actions}
        if resources:
            kw["ResourceArns"] = resources
        return client("iam").simulate_principal_policy(**kw)["EvaluationResults"]

    def test_decisions_and_matched_statements(self):
        r = self.simulate(["s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::data/a.txt"])
        self.assertEqual([(x["EvalActionName"], x["EvalDecision"]) for x in r],
                         [("s3:GetObject", "allowed"), ("s3:PutObject", "implicitDeny")])
        self.assertEqual(r[0]["MatchedStatements"][0]["SourcePolicyId"], "s3-read")
        self.assertEqual(r[0]["MatchedStatements"][0]["SourcePolicyType"], "user-managed")
        self.assertEqual(r[1]["MatchedStatements"], [])
        r = self.simulate(["s3:GetObject"], ["arn:aws:s3:::data/secret/k"])
        self.assertEqual(r[0]["EvalDecision"], "explicitDeny")
        self.assertEqual([(m["SourcePolicyId"], m["SourcePolicyType"]) for m in r[0]["MatchedStatements"]],
                         [("no-secret", "role")])
        self.assertEqual(self.simulate(["s3:getobject"])[0]["EvalResourceName"], "*")

    def test_boundary_and_missing_role(self):
        EMU.seed(roles=[{"name": "bounded", "attached_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"],
                         "permissions_boundary": f"arn:aws:iam::{ALICE_ACCT}:policy/s3-read"}])
        arn = f"arn:aws:iam::{ALICE_ACCT}:role/bounded"
        r = self.simulate(["s3:GetObject", "iam:CreateRole"], ["arn:aws:s3:::data/x"], arn=arn)
        self.assertEqual([x["EvalDecision"] for x in r], ["allowed", "implicitDeny"])
        self.assertEqual(r[1]["PermissionsBoundaryDecisionDetail"], {"AllowedByPermissionsBoundary": False})
        with self.assertRaises(ClientError) as cm:
            self.simulate(["s3:GetObject"], arn=f"arn:aws:iam::{ALICE_ACCT}:role/nope")
        self.assertEqual(code_of(cm.exception), "NoSuchEntity")


class ManyRolesTests(EmulatorTest):
    def test_list_roles_pages_through_1500_roles(self):
        EMU.seed(roles=[{"name": f"role-{i:04d}"} for i in range(1500)])
        iam = client("iam")
        pages = list(iam.get_paginator("list_roles").paginate())
        self.assertEqual(len(pages), 15)
        self.assertTrue(all(p["IsTruncated"] for p in pages[:-1]))
        self.assertFalse(pages[-1]["IsTruncated"])
        names = [r["RoleName"] for p in pages for r in p["Roles"]]
        self.assertEqual(names, [f"role-{i:04d}" for i in range(1500)])
        first = iam.list_roles(MaxItems=7)
        self.assertEqual(len(first["Roles"]), 7)
        second = iam.list_roles(MaxItems=1000, Marker=first["Marker"])
        self.assertEqual(second["Roles"][0]["RoleName"], "role-0007")
        self.assertEqual(len(second["Roles"]), 100)  # the emulator's page size caps MaxItems


if __name__ == "__main__":
    unittest.main()
