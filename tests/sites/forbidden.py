"""The 2GIS look-alike under a path that robots.txt disallows."""

from tests.sites.twogis import handle  # noqa: F401
