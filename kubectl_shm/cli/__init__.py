"""The `kubectl shm` command line: flags, output choice, exit codes.

Only this package imports click.
"""
