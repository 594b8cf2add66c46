"""Manifests as the user wrote them: reading files, directories and stdin, and parsing YAML or
JSON documents (multi-document streams, `kind: List`) into objects.

Shared by `audit -f` and `set --local`; it imports nothing of kubectl_shm but kubectl_shm.errors.
"""
