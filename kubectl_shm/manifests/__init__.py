"""Manifests as the user wrote them: reading files, directories and stdin (bounded), and
parsing YAML or JSON documents (multi-document streams, `kind: List`) into the objects
kubectl would send, with where each is in the text.

decoding (bytes to text), parsing (streams and documents), yaml_composer and
pure_yaml_events (YAML events to nodes), yaml_values and yaml_scalars (nodes to values, by
go-yaml v2 and sigs.k8s.io/yaml rules), json_nodes (where JSON's parts are), nodes, errors
(ManifestError and the bounds), files (the only I/O).

Shared by `audit -f` and `set`; it imports nothing of kubectl_shm but kubectl_shm.errors.
"""
