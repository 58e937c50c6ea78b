"""One spider per source type (the config's `type`)."""

from scrapers.spiders.base import ReviewSpider
from scrapers.spiders.twogis import TwoGisSpider

SPIDERS: dict[str, type[ReviewSpider]] = {spider.name: spider for spider in (TwoGisSpider,)}
