#!/usr/bin/python3
"""Local AWS emulator for irsactl's tests.

    /usr/bin/python3 tests/emulator/aws_emulator.py --port 0 --port-file PATH \
        [--accounts tests/emulator/accounts.json] [--log-file PATH] [--page-size N]

One port on 127.0.0.1 serves IAM, STS and EKS (routed by the SigV4 credential
scope), IMDSv2, container credentials and the /__emu/ control API.  Every signed
request's signature is checked with botocore.  See aws_README.md.
"""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aws.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
