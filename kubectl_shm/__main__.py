"""`python -m kubectl_shm`: the same program as the kubectl-shm executable."""

from kubectl_shm.cli.main import main

main()
