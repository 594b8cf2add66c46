"""`kubectl shm policy`: the audit rules that admission can decide, as a ValidatingAdmissionPolicy.

Pure generation from the model's data (the catalogue of /dev/shm users, the pod
spec shapes): no I/O, no Kubernetes client.
"""
