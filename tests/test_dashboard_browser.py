"""The dashboard in a real headless Chromium, started with `reputation dashboard` as a user would."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from reputation import inbox
from reputation.store import Store, utcnow
from tests.dashboard_data import HOSTILE_TEXT, PASSWORD, seed_inbox, seed_users

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
    reason="Debian's chromium and chromium-driver are not installed (CI installs them: apt-get install chromium chromium-driver)",
)
WAIT_S = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"reputation dashboard exited with {server.returncode}: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the dashboard did not answer within a minute")


def _wait_idle(browser, wait) -> None:
    """Until the page has finished its run (Streamlit shows a status widget while running)."""
    from selenium.webdriver.common.by import By

    time.sleep(0.5)
    wait.until(lambda _: not browser.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"))


@pytest.fixture
def served(tmp_path):
    config = tmp_path / "reputation.yaml"
    config.write_text(
        f"company: {{name: Кофемания, timezone: Europe/Moscow}}\ndatabase_url: sqlite:///{tmp_path / 'reputation.db'}\n"
        "sources:\n  - {id: otzovik, type: otzovik, url: 'http://127.0.0.1:9/otzovik'}\n  - {id: vk, type: vk, query: Кофемания}\n",
        encoding="utf-8",
    )
    store = Store.open(f"sqlite:///{tmp_path / 'reputation.db'}")
    seed_users(store)
    ids = seed_inbox(store, now=utcnow())
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "reputation", "--config", str(config), "dashboard", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        yield url, store, ids, tmp_path
    finally:
        server.terminate()
        server.wait(timeout=30)
        store.close()


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,2000",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT_S)
    yield driver
    driver.quit()


def test_log_in_work_the_inbox_and_hostile_text_stays_text(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.ui import WebDriverWait

    url, store, ids, folder = served
    wait = WebDriverWait(browser, WAIT_S)
    browser.get(url)
    name = wait.until(seen.element_to_be_clickable((By.CSS_SELECTOR, "input[aria-label='Name / Имя']")))
    assert "Холодный кофе" not in browser.find_element(By.TAG_NAME, "body").text
    name.send_keys("resp")
    browser.find_element(By.CSS_SELECTOR, "input[type='password']").send_keys(PASSWORD)
    browser.find_element(By.XPATH, "//button[contains(., 'Log in / Войти')]").click()
    wait.until(seen.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Inbox / Входящие · 3"))

    def captions():
        return [e.text for e in browser.find_elements(By.CSS_SELECTOR, "[data-testid='stCaptionContainer']") if e.text.startswith("#")]

    _wait_idle(browser, wait)
    wait.until(lambda _: len(captions()) == 3)
    assert [c.split(" ")[0] for c in captions()] == [f"#{ids['overdue']}", f"#{ids['hostile']}", f"#{ids['later']}"]
    # The hostile review is on the page as its literal text, and none of its markup is live.
    texts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "[data-testid='stText']")]
    assert HOSTILE_TEXT in texts
    assert browser.title != "pwned"
    assert browser.execute_script("return document.querySelectorAll('img[src=\"x\"], a[href^=\"javascript:\"]').length") == 0

    first = browser.find_elements(By.CSS_SELECTOR, "[data-testid='stExpander']")[0]
    first.find_element(By.TAG_NAME, "summary").click()
    reply = wait.until(lambda _: first.find_element(By.CSS_SELECTOR, "textarea[aria-label='Reply text / Текст ответа']"))
    wait.until(lambda _: reply.is_displayed() and reply.is_enabled())
    reply.send_keys("Пётр, простите! Напишите нам, пожалуйста.")
    # Ctrl+Enter applies a text area's value (Streamlit runs the page with it).
    reply.send_keys(Keys.CONTROL, Keys.ENTER)
    _wait_idle(browser, wait)
    record = first.find_element(By.XPATH, ".//button[contains(., 'Record reply / Записать ответ')]")
    wait.until(lambda _: record.is_displayed() and record.is_enabled())
    record.click()
    wait.until(seen.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Inbox / Входящие · 2"))
    shot = folder / "dashboard-inbox.png"
    browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000
    replies, log = inbox.history(store.engine, ids["overdue"])
    assert [(r.text, r.recorded_by) for r in replies] == [("Пётр, простите! Напишите нам, пожалуйста.", "resp")]
    assert browser.title != "pwned"

    # A reload keeps the login (the session cookie); after logging out, a reload asks for it again.
    browser.refresh()
    wait.until(seen.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Inbox / Входящие · 2"))
    wait.until(seen.element_to_be_clickable((By.XPATH, "//button[contains(., 'Log out / Выйти')]"))).click()
    wait.until(seen.element_to_be_clickable((By.CSS_SELECTOR, "input[aria-label='Name / Имя']")))
    browser.refresh()
    wait.until(seen.element_to_be_clickable((By.CSS_SELECTOR, "input[aria-label='Name / Имя']")))
    assert "Inbox" not in browser.find_element(By.TAG_NAME, "body").text
