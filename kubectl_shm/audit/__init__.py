"""`audit`: the rules, the per-workload report of what each container really gets, the grouping
of live pods under their top owner, and the live audit use case (`audit.live`).

It imports the size model and, in `audit.live` only, the kube adapter; never another capability.
"""
