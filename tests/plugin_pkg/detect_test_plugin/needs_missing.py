"""A plugin whose dependency is not installed."""

import a_package_nobody_installed  # noqa: F401
