"""One spider per source type (the config's `type`), each in a module of this package."""

import importlib
import pkgutil

from scrapers.spiders.base import ReviewSpider

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

SPIDERS: dict[str, type[ReviewSpider]] = {spider.name: spider for spider in ReviewSpider.__subclasses__()}
