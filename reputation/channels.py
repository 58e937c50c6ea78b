"""Channel kinds and the source types (spiders) that feed them.

One table, so the config, the scrapers and the SLA policy agree on the names.
"""

from datetime import timedelta

CHANNELS = ("social", "map", "review_site", "app_store", "feed")

# Source type (config `type`, the spider's name) -> its default channel.
SOURCE_TYPES = {
    "otzovik": "review_site",
    "trustpilot": "review_site",
    "2gis": "map",
    "vk": "social",
    "telegram": "social",
    "appstore": "app_store",
    "feed": "feed",
    # Reviews the team gathered elsewhere and imported from a file.
    "manual": "review_site",
}

# How often a source is crawled when its config gives no `every`.
DEFAULT_INTERVAL = {
    "social": timedelta(minutes=5),
    "feed": timedelta(minutes=15),
    "map": timedelta(minutes=60),
    "review_site": timedelta(minutes=60),
    "app_store": timedelta(minutes=60),
}
