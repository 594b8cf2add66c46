"""A real two-node Kubernetes cluster on this machine, for the end-to-end tests.

`python -m tests.e2e.cluster up|down|status|build` from the repository root.
See config.py for the topology and README's "Run the tests" for what it needs.
"""
