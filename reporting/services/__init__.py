"""Use cases of the reporting app: building snapshots and reports."""
