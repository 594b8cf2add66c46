"""Output: tables (rich), JSON and YAML documents, diffs. Only this package imports rich."""
