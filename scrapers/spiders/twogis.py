"""2GIS: the web client's public reviews JSON, newest first, paged by the absolute `meta.next_link`.

The business's reply is `official_answer`; dates carry the branch's local offset.
"""

from __future__ import annotations

import json
import os
import re

from scrapy import Request
from w3lib.url import add_or_replace_parameters

from scrapers.items import ScrapedReview
from scrapers.spiders.base import ReviewSpider

PAGE_SIZE = 50
_BRANCH = re.compile(r"/branches/(\d+)/")


class TwoGisSpider(ReviewSpider):
    name = "2gis"

    async def start(self):
        params = {
            "limit": str(PAGE_SIZE),
            "sort_by": "date_created",
            "is_advertiser": "false",
            "rated": "true",
            "without_my_first_review": "false",
            "locale": "ru_RU",
            "fields": "meta.total_count,meta.branch_rating,meta.branch_reviews_count,reviews.is_verified",
        }
        # The key the 2GIS web client uses, where the team has one.
        if self.source.token_env:
            params["key"] = os.environ[self.source.token_env]
        yield self.request(add_or_replace_parameters(self.source.url, params))

    def request(self, url: str) -> Request:
        return Request(url, callback=self.parse)

    def parse(self, response):
        if response.status == 403:
            self.report_blocked(response, "HTTP 403: the key was refused or the client is banned")
            return
        try:
            data = json.loads(response.text)
        except ValueError:
            self.report_markup_changed(response, "the reviews endpoint did not answer JSON")
            return
        if not isinstance(data, dict) or not isinstance(data.get("reviews"), list):
            self.report_markup_changed(response, "no `reviews` list in the JSON")
            return
        firm = _BRANCH.search(response.url)
        page_url = f"https://2gis.ru/firm/{firm.group(1)}/tab/reviews" if firm else None
        page = self.accept(response, data["reviews"], lambda review: self._item(review, page_url))
        yield from page
        next_link = (data.get("meta") or {}).get("next_link")
        if next_link and data["reviews"] and self.wants_more(page):
            yield self.request(next_link)

    @staticmethod
    def _item(review: dict, page_url: str | None) -> ScrapedReview:
        answer = review.get("official_answer") or {}
        return ScrapedReview(
            external_id=str(review["id"]),
            text=review.get("text"),
            url=page_url,
            author=(review.get("user") or {}).get("name"),
            rating=review.get("rating"),
            published=review.get("date_created"),
            reply_text=answer.get("text"),
            reply_published=answer.get("date_created"),
            plain_text=True,
        )
