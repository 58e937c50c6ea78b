"""The APScheduler service and its jobs: crawl, score, alert, escalate, report."""
