"""The errors this tool reports to users; the CLI maps each family to an exit code."""


class ShmError(Exception):
    """Base of every error a user sees as one line."""


class InputError(ShmError):
    """Bad input from the user: a file, a flag value, a target (exit 2)."""


class ClusterError(ShmError):
    """The cluster or its API failed or refused (exit 3). Raised by the kube adapter."""
