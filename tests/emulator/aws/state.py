"""Emulator state: identities, temporary credentials, IAM per account, EKS clusters,
seeds, fault rules and the request log.  One lock guards all of it."""

import base64
import hashlib
import json
import os
import random
import re
import secrets
import string
import threading
import time

from .errors import AwsError

DEFAULT_ACCOUNTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "accounts.json")
INSTANCE_ID = "i-0123456789abcdef0"
CONTAINER_SESSION = "container-credentials"
_ALNUM = string.ascii_uppercase + string.digits


def partition_for_region(region):
    region = region or ""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def with_partition(arn, partition):
    """Rewrite the partition of an ARN ('arn:aws:...' -> 'arn:aws-cn:...')."""
    return re.sub(r"^arn:[^:]*:", f"arn:{partition}:", arn) if arn else arn


def random_id(prefix, n=17):
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(n))


def stable_id(prefix, seed, n=17):
    digest = hashlib.sha256(seed.encode()).digest()
    return prefix + "".join(_ALNUM[b % len(_ALNUM)] for b in digest[:n])


class Identity:
    """Who a key belongs to.  arn is stored in the 'aws' partition and rewritten."""

    def __init__(self, access_key, secret, account, arn, user_id, token=None, expiration=None,
                 denied_actions=()):
        self.access_key = access_key
        # "service:Action" names this identity may not call (AccessDenied).
        self.denied_actions = frozenset(denied_actions)
        self.secret = secret
        self.account = account
        self.arn = arn
        self.user_id = user_id
        self.token = token
        self.expiration = expiration  # epoch seconds, temporary credentials only

    @property
    def temporary(self):
        return self.token is not None


class FaultRule:
    KINDS = ("throttle", "status", "drop", "latency", "skew")
    SERVICES = ("sts", "iam", "eks", "imds", "container")

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault rule must be a JSON object")
        unknown = set(spec) - {"service", "action", "kind", "status", "code", "count", "ms",
                               "message", "probability", "seed", "mutating"}
        if unknown:
            raise ValueError(f"unknown fault rule keys: {sorted(unknown)}")
        self.kind = spec.get("kind")
        if self.kind not in self.KINDS:
            raise ValueError(f"fault kind must be one of {self.KINDS}, got {self.kind!r}")
        self.service = spec.get("service")
        if self.service is not None and self.service not in self.SERVICES:
            raise ValueError(f"fault service must be one of {self.SERVICES}")
        self.action = spec.get("action")
        self.status = spec.get("status")
        self.code = spec.get("code")
        self.message = spec.get("message")
        self.count = spec.get("count")
        if self.count is not None and (not isinstance(self.count, int) or self.count < 0):
            raise ValueError("fault count must be a non-negative integer")
        self.ms = spec.get("ms", 0 if self.kind != "latency" else 1000)
        if not isinstance(self.ms, (int, float)) or not 0 <= self.ms <= 120000:
            raise ValueError("fault ms must be a number between 0 and 120000")
        # A share of the matching requests, drawn from a generator seeded
        # per rule, so a run with the same requests in the same order
        # faults the same ones.
        self.probability = spec.get("probability", 1.0)
        if not isinstance(self.probability, (int, float)) or not 0 <= self.probability <= 1:
            raise ValueError("fault probability must be a number from 0 to 1")
        self.seed = spec.get("seed", 0)
        if not isinstance(self.seed, int):
            raise ValueError("fault seed must be an integer")
        self.random = random.Random(self.seed)
        # True: only requests that change state (Create*, Put*, ...); False:
        # only the others; unset: both.
        self.mutating = spec.get("mutating")
        if self.mutating is not None and not isinstance(self.mutating, bool):
            raise ValueError("fault mutating must be true or false")
        self.hits = 0

    def matches(self, service, action, mutating=False):
        if self.count is not None and self.hits >= self.count:
            return False
        if self.service is not None and self.service != service:
            return False
        if self.action is not None and self.action != action:
            return False
        if self.mutating is not None and self.mutating != mutating:
            return False
        return self.probability >= 1 or self.random.random() < self.probability

    def to_json(self):
        return {"service": self.service, "action": self.action, "kind": self.kind,
                "status": self.status, "code": self.code, "count": self.count, "ms": self.ms,
                "probability": self.probability, "seed": self.seed, "mutating": self.mutating,
                "hits": self.hits}


class Store:
    def __init__(self, accounts_path=None, page_size=100, log_file=None):
        self.lock = threading.RLock()
        self.page_size = page_size
        self.log_file = log_file
        with open(accounts_path or DEFAULT_ACCOUNTS) as f:
            doc = json.load(f)
        self.static = {}
        for key, v in doc["access_keys"].items():
            self.static[key] = Identity(key, v["secret"], v["account"], v["arn"], v["user_id"],
                                        denied_actions=v.get("denied_actions", ()))
        self.default_account = doc.get("default_account") or next(
            iter(self.static.values())).account
        self.reset()

    # -- lifecycle ---------------------------------------------------------
    def reset(self):
        with self.lock:
            self.temp = {}              # ASIA key -> Identity
            self.accounts = {}          # account -> iam.Account
            self.clusters = {}          # (account, region, name) -> dict
            self.web_identity_tokens = []
            self.container_token = None
            self.container_role = None
            self.instance_role = None
            self.instance_region = "us-east-1"
            self.assumable_roles = set()
            self.issuer_url_ports = False  # let OIDC provider URLs carry a port (tests only)
            self.oidc_ca_bundle = None     # CA file to trust when fetching an issuer's JWKS
            self.oidc_host_map = {}        # issuer host -> "127.0.0.1:PORT" to connect to (tests)
            self.imds_tokens = {}       # token -> expiry
            self.cached_creds = {}      # (slot, role arn, session) -> Identity
            self.clock_offset = 0.0
            self.quotas = {"ACLSizePerRole": 2048, "PoliciesPerRole": 10,
                           "PolicySize": 6144, "RolePolicySize": 10240, "VersionsPerPolicy": 5}
            self.faults = []
            self.log = []
            self.seq = 0
            self.id_counter = 0

    def now(self):
        return time.time() + self.clock_offset

    def next_id(self, prefix, what):
        """Deterministic unique ids (AROA..., ANPA...) so test runs are reproducible."""
        with self.lock:
            self.id_counter += 1
            return stable_id(prefix, f"{what}#{self.id_counter}")

    # -- identities --------------------------------------------------------
    def lookup_key(self, access_key):
        with self.lock:
            return self.static.get(access_key) or self.temp.get(access_key)

    def issue_temporary(self, account, arn, user_id, duration=3600):
        with self.lock:
            key = random_id("ASIA", 16)
            secret = "".join(secrets.choice(string.ascii_letters + string.digits + "+/")
                             for _ in range(40))
            token = "IQoJb3JpZ2luX2VjE" + base64.b64encode(secrets.token_bytes(180)).decode()
            ident = Identity(key, secret, account, arn, user_id, token=token,
                             expiration=int(self.now()) + int(duration))
            self.temp[key] = ident
            return ident

    def role_credentials(self, slot, role_arn, session):
        """Stable temporary credentials for IMDS / container endpoints (rotated near expiry)."""
        with self.lock:
            key = (slot, role_arn, session)
            ident = self.cached_creds.get(key)
            if ident is None or ident.expiration - self.now() < 900:
                m = re.match(r"^arn:[^:]+:iam::(\d{12}):role/(?:.*/)?([^/]+)$", role_arn)
                if not m:
                    raise ValueError(f"not a role ARN: {role_arn}")
                account, name = m.groups()
                role_id = self.role_id_for(account, name, role_arn)
                ident = self.issue_temporary(
                    account, f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
                    f"{role_id}:{session}", 6 * 3600)
                self.cached_creds[key] = ident
            return ident

    def role_id_for(self, account, name, role_arn):
        acct = self.accounts.get(account)
        role = acct.roles.get(name.lower()) if acct else None
        return role["RoleId"] if role else stable_id("AROA", with_partition(role_arn, "aws"))

    def account(self, account_id):
        from .iam import Account  # local import: iam imports state
        with self.lock:
            if account_id not in self.accounts:
                self.accounts[account_id] = Account(self, account_id)
            return self.accounts[account_id]

    # -- faults ------------------------------------------------------------
    def set_faults(self, specs):
        rules = [FaultRule(s) for s in specs]
        with self.lock:
            self.faults = rules

    def take_faults(self, service, action, mutating=False):
        """The matching rules for this request (latency first), counting them as hit."""
        hits = []
        with self.lock:
            for rule in self.faults:
                if rule.matches(service, action, mutating):
                    rule.hits += 1
                    hits.append(rule)
                    if rule.kind != "latency":
                        break
        return hits

    # -- log ---------------------------------------------------------------
    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def append_log(self, record):
        with self.lock:
            self.log.append(record)
            if self.log_file:
                with open(self.log_file, "a") as f:
                    f.write(json.dumps(record, sort_keys=True) + "\n")


def check_temporary(ident, token, now):
    if ident.temporary:
        if not token or not secrets.compare_digest(token, ident.token):
            raise AwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
        if now >= ident.expiration:
            raise AwsError("ExpiredToken", "The security token included in the request is expired", 400)
    elif token:
        raise AwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
