"""Makes tests/ importable, so the suites share helpers.py and cluster_helpers.py."""
