"""The one error of reading manifests, and the bounds that keep a bad input cheap."""

from __future__ import annotations

from kubectl_shm.errors import InputError

# The largest manifest read (a file or stdin). The API server takes at most 3 MiB per request,
# so a file of this size holds many objects; past it, time and memory grow with no use.
MAX_MANIFEST_BYTES = 8 * 2**20
# Deeper than any Kubernetes object comes near (CRD schemas stay well under 100 levels), and
# shallow enough for every recursive walk over the objects afterwards.
MAX_DEPTH = 256


class ManifestError(InputError):
    """A manifest that cannot be read; the message names the source and, where known, the line."""


class Problem(Exception):
    """A problem at a character offset of a manifest's text; parsing adds the file and line."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message
