"""python -m tests.e2e.cluster up|down|status|build"""

from __future__ import annotations

import argparse
import sys

from tests.e2e.cluster import build, cluster


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.cluster", description=__doc__)
    parser.add_argument("action", choices=("up", "down", "status", "build"))
    action = parser.parse_args().action

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        if action == "build":
            build.ensure_built(log)
        elif action == "up":
            print(cluster.up(log))
        elif action == "down":
            cluster.down(log)
        elif not cluster.healthy():
            log("cluster is not running")
            return 1
        else:
            print(cluster.ADMIN_KUBECONFIG)
    except cluster.ClusterStartError as error:
        log(f"error: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
