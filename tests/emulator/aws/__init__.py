"""Local AWS emulator for irsactl's tests (IAM, STS, EKS, IMDSv2, container credentials).

Entry point: tests/emulator/aws_emulator.py.  See tests/emulator/aws_README.md.
"""
