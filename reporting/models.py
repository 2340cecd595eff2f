"""Quarterly snapshots of system-wide figures (built in a later issue)."""
