"""`inspect`: what a running container's /dev/shm really is (df and /proc/mounts parsing, kubelet
stats), compared with the model and explained, and the live use case that gathers it.

It imports the size model and, in its use-case modules (`live`, `observing`), the kube
adapter; never another capability.
"""
