"""The only package that talks to the API server (and imports the `kubernetes` client)."""
