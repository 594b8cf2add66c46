"""`set`: the change planner (the /dev/shm volume decision, edits, the strategic merge patch, size
warnings, GitOps managers, rollout effects) and the live use case that reads, patches and follows.

It imports the size model and, in `set.live` and `set.cluster` only, the kube adapter; never
another capability.
"""
