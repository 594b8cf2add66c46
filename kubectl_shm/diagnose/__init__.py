"""`diagnose`: what already went wrong with /dev/shm (SIGBUS deaths, evictions, framework
messages in logs), the cause of each and its fix, and the live use case that reads it.

It imports the size model and, in `diagnose.live` only, the kube adapter; never another
capability.
"""
