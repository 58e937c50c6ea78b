"""Scrapy settings for every crawl: polite by default."""

from importlib.metadata import version

BOT_NAME = "reputation-monitor"

# An honest User-Agent: who we are and what we do.
USER_AGENT = f"reputation-monitor/{version('reputation-monitor')} (+reviews monitoring; obeys robots.txt)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
# DOWNLOAD_DELAY and AUTOTHROTTLE_START_DELAY come from the source's `crawl_delay`.
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30

RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 520, 521, 522, 524, 408]
RETRY_BACKOFF_BASE_S = 2.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapers.middlewares.BackoffRetryMiddleware": 550,
}
ITEM_PIPELINES = {"scrapers.pipelines.StorePipeline": 300}

# Ban and captcha pages must reach the spider, which reports them as `blocked`.
HTTPERROR_ALLOWED_CODES = [403, 507]
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"
