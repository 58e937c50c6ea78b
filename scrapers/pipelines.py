"""The item pipeline: normalized reviews into the store, in batches."""

from __future__ import annotations

from reputation.records import Review
from reputation.store import IngestResult

BATCH = 100


class StorePipeline:
    """Upserts the spider's reviews; the totals end up on `spider.ingested` for the crawl run."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def __init__(self, crawler):
        self.crawler = crawler
        self.buffer: list[Review] = []
        self.result = IngestResult()

    def process_item(self, item: Review, spider=None):
        self.buffer.append(item)
        if len(self.buffer) >= BATCH:
            self._flush()
        return item

    def close_spider(self, spider=None):
        self._flush()
        self.crawler.spider.ingested = self.result

    def _flush(self) -> None:
        if self.buffer:
            spider = self.crawler.spider
            self.result += spider.store.ingest(self.buffer, now=spider.now)
            self.buffer = []
