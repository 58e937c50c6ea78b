"""Retries that wait as the server asks: Retry-After and rate-limit headers, else exponential backoff.

A request may also carry `meta["delay_s"]` (an API that reports its rate limit
in the body, such as VK's error 6): it waits that long before it is sent.
"""

from __future__ import annotations

import asyncio
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message

# Never sleep longer than this for one retry, whatever the server says.
MAX_WAIT_S = 300.0


def wait_from_headers(headers, now: datetime | None = None) -> float | None:
    """Seconds to wait as the response's headers ask, if they say."""
    retry_after = headers.get(b"Retry-After")
    if retry_after:
        value = retry_after.decode("latin-1").strip()
        if value.isdigit():
            return float(value)
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (moment - (now or datetime.now(timezone.utc))).total_seconds())
    reset = headers.get(b"X-Ratelimit-Reset") or headers.get(b"X-RateLimit-Reset")
    if reset:
        try:
            seconds = float(reset.decode("latin-1"))
        except ValueError:
            return None
        # Reddit gives seconds until reset; Mastodon and others an ISO or epoch time.
        return seconds if seconds < 10**9 else max(0.0, seconds - datetime.now(timezone.utc).timestamp())
    return None


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE_S", 1.0)

    async def process_request(self, request, spider=None):
        delay = request.meta.get("delay_s")
        if delay:
            await asyncio.sleep(min(float(delay), MAX_WAIT_S))
        return None

    def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        attempt = retry.meta.get("retry_times", 1)
        asked = wait_from_headers(response.headers)
        retry.meta["delay_s"] = asked if asked is not None else self.backoff_base * 2 ** (attempt - 1)
        return retry
