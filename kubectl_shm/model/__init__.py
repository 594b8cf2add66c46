"""The size model: quantities, pod specs and templates, workload kinds and owners, node profiles,
and the size a container's /dev/shm really gets on a given kubelet.

Pure and shared by every capability beneath them; it imports no other package of kubectl_shm
(only kubectl_shm.errors), no client library and does no I/O.
"""
