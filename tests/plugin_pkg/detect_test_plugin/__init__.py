"""A stage plugin package as a third party would write one (installed by tests/test_plugins.py)."""
