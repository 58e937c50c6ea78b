"""The crawl machinery, through the 2GIS spider: robots.txt, retries, faults, the commands."""

import subprocess
import sys

import pytest

from reputation import schema
from scrapers.middlewares import wait_from_headers
from tests.sites import otzovik as otzovik_site
from tests.sites import twogis

REVIEWS_PATH = f"/2.0/branches/{twogis.BRANCH}/reviews"


def source(crawls, source_id="2gis-main", site="twogis", **extra):
    return {"id": source_id, "type": "2gis", "url": f"{crawls.server.url}/{site}{REVIEWS_PATH}", **extra}


def test_robots_txt_is_obeyed_unless_the_source_says_otherwise(crawls):
    crawls.configure(source(crawls, site="forbidden"), source(crawls, "rude", site="forbidden", obey_robots=False))
    run = crawls.crawl("2gis-main")
    assert run.status == "failing"
    assert "forbidden by the site's robots.txt" in run.error_detail
    assert crawls.server.hits("/forbidden/") == []

    assert crawls.crawl("rude").items_new == 120


def test_every_request_says_who_we_are(crawls):
    crawls.configure(source(crawls))
    crawls.crawl("2gis-main")
    agents = {headers["user-agent"] for _, _, headers in crawls.server.requests}
    assert len(agents) == 1 and agents.pop().startswith("reputation-monitor/")


def test_a_429_is_retried_after_the_wait_the_server_asks(crawls):
    crawls.configure(source(crawls))
    crawls.server.state["twogis_mode"] = "rate_limited"
    run = crawls.crawl("2gis-main")
    assert (run.status, run.items_new) == ("ok", 120)
    assert [q.count("offset") for _, q, _ in crawls.server.hits("/twogis/")][:2] == [0, 0]  # page 1 asked twice


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({b"Retry-After": b"7"}, 7.0),
        ({b"Retry-After": b"Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({b"X-Ratelimit-Reset": b"42"}, 42.0),
        ({}, None),
        ({b"Retry-After": b"soon"}, None),
    ],
)
def test_wait_from_headers(headers, expected):
    assert wait_from_headers(headers) == expected


def test_an_unreachable_server_is_failing_and_loses_nothing(crawls):
    crawls.configure(source(crawls))
    crawls.crawl("2gis-main")
    crawls.configure({"id": "2gis-main", "type": "2gis", "url": f"http://127.0.0.1:9{REVIEWS_PATH}"})
    run = crawls.crawl("2gis-main")
    assert run.status == "failing" and "failed after retries" in run.error_detail
    assert len(crawls.rows(schema.reviews)) == 120
    [health] = crawls.rows(schema.sources)
    assert health.status == "failing" and health.last_success_at is not None


def test_a_crawl_killed_in_the_middle_is_recorded_and_the_next_one_completes(crawls):
    crawls.configure(source(crawls))
    crawls.server.state["twogis_mode"] = "slow"
    from reputation.config import load_config
    from reputation.store import open_store
    from scrapers import crawl

    config, path = load_config(crawls.path)
    store = open_store(config, path)
    run = crawl(config, path, store, "2gis-main", echo=lambda line: None, timeout_s=8)
    store.close()
    assert run.status == "failing" and "crawl process ended" in run.error_detail

    crawls.server.state["twogis_mode"] = None
    run = crawls.crawl("2gis-main")
    assert run.status == "ok"
    assert len(crawls.rows(schema.reviews)) == 120


def test_a_crawl_whose_parent_died_still_finishes_and_records_its_outcome(crawls):
    crawls.configure(source(crawls))
    from reputation.config import load_config
    from reputation.store import open_store

    config, path = load_config(crawls.path)
    store = open_store(config, path)
    run_id = store.start_run("2gis-main")
    store.close()
    # The parent reading the progress is gone (e.g. the service was killed): the pipe is closed.
    child = subprocess.Popen(
        [sys.executable, "-m", "scrapers.runner", "--config", str(path), "--source", "2gis-main", "--run-id", str(run_id)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    child.stdout.close()
    assert child.wait(timeout=120) == 0
    [run] = crawls.rows(schema.crawl_runs)
    assert run.status == "ok" and run.items_new == 120
    assert len(crawls.rows(schema.reviews)) == 120


def reputation(crawls, *args):
    return subprocess.run(
        [sys.executable, "-m", "reputation", "--config", str(crawls.path), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_crawl_all_goes_on_past_broken_sources_and_sources_shows_the_health(crawls):
    otzovik = {"id": "otzovik", "type": "otzovik", "url": f"{crawls.server.url}/otzovik/reviews/{otzovik_site.SLUG}/"}
    crawls.configure(source(crawls, "broken", site="nosuchsite"), otzovik, source(crawls))
    crawls.server.state["otzovik_mode"] = "captcha"
    done = reputation(crawls, "crawl", "--all")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert "[2gis-main] page 3: 20 found, 20 kept" in "\n".join(lines)
    assert any(line.startswith("broken: failing; 0 new") for line in lines)
    assert any(line.startswith("otzovik: blocked; 0 new") for line in lines)
    assert "2gis-main: ok; 120 new, 0 updated, 0 unchanged, 0 errors, 3 pages" in lines

    crawls.server.state["otzovik_mode"] = "markup"
    assert reputation(crawls, "crawl", "otzovik").returncode == 1
    listing = reputation(crawls, "sources").stdout.splitlines()
    row = {line.split()[0]: line for line in listing if not line.startswith(" ")}
    assert row["broken"].split()[1:4] == ["2gis", "map", "failing"] and row["broken"].endswith(" 0")
    assert row["2gis-main"].split()[3] == "ok" and row["2gis-main"].endswith(" 120")
    assert row["otzovik"].split()[3] == "markup_changed" and row["otzovik"].split()[6] == "never"
    detail = listing[listing.index(row["otzovik"]) + 1].strip()
    assert detail.startswith(f"markup changed at {crawls.server.url}/otzovik/reviews/")


def test_crawl_of_an_unknown_source_names_the_known_ones(crawls):
    crawls.configure(source(crawls))
    done = reputation(crawls, "crawl", "nope")
    assert done.returncode == 1
    assert "no source 'nope' in the config (sources: 2gis-main)" in done.stderr
