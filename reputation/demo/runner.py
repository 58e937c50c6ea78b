"""Start the whole demo, keep it running until Ctrl-C or SIGTERM, then stop it cleanly.

Order: the sources' server and the SMTP sink (in this process), the config,
the store with its demo user and (on the first start only) a week of history,
then new reviews start appearing and `reputation run` and `reputation
dashboard` start as child processes. Stopping goes the other way: children
first (each gets one SIGINT and finishes its running step), then the live
feed, the sink and the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterator

from reputation.config import load_config
from reputation.demo import history
from reputation.demo.folder import DEMO_USER, DemoFolder, Ports
from reputation.demo.mailsink import MailSink
from reputation.demo.server import DemoServer
from reputation.demo.texts import COMPANY
from reputation.demo.world import LiveFeed, World, fill_history, utcnow
from reputation.store import Store, open_store

DASHBOARD_WAIT_S = 120
STOP_WAIT_S = 60


class DemoError(RuntimeError):
    """The demo could not start; the message says why and what to do."""


def _check_free(ports: Ports) -> None:
    port = ports.taken()
    if port is not None:
        raise DemoError(
            f"port {port} on 127.0.0.1 is in use; the demo needs three ports from --port-base "
            f"({ports.dashboard}-{ports.smtp}): choose others, e.g. --port-base {ports.dashboard + 100}"
        )


def _reputation(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "reputation", "--config", str(config), *args]


def _ensure_user(store: Store, config: Path, password: str) -> None:
    """The demo's admin, added once with `reputation users add` (again only if the database was removed)."""
    from reputation.users import list_users

    if any(user.name == DEMO_USER for user in list_users(store)):
        return
    added = subprocess.run(
        _reputation(config, "users", "add", DEMO_USER, "--role", "admin", "--password-stdin"),
        input=password + "\n", capture_output=True, text=True,
    )
    if added.returncode != 0:
        raise DemoError(f"could not add the demo user: {(added.stderr or added.stdout).strip()}")


def prepare_store(folder: DemoFolder, echo: Callable[[str], None]) -> None:
    """The demo user, and on the first start a week of history (the folder remembers that it was loaded)."""
    from sentiment.loading import Models
    from sentiment.model import ModelLoadError

    config, path = load_config(folder.config)
    store = open_store(config, path)
    try:
        password, _ = folder.password()
        _ensure_user(store, path, password)
        if folder.history_loaded:
            return
        try:
            models = Models(config.sentiment)
        except ModelLoadError as exc:
            raise DemoError(f"{exc} (or start the demo with --model FOLDER)") from None
        echo("Loading a week of history from the demo sources (first start only)…")
        try:
            history.crawl_all(config, path, store, echo)
        except history.HistoryError as exc:
            raise DemoError(str(exc)) from None
        scored = history.score_quietly(config, store, models)
        answered = history.answer_some(store, DEMO_USER)
        echo(f"  scored {scored} reviews; the team had answered {answered} of the flagged ones in the inbox")
        folder.history_marker.touch()
    finally:
        store.close()


class _Children:
    """`reputation run` and `reputation dashboard`, each in its own session (a terminal's Ctrl-C reaches only the demo)."""

    def __init__(self, folder: DemoFolder):
        self.folder = folder
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *args: str) -> None:
        log = open(self.folder.logs / f"{name}.log", "ab")
        try:
            self.running[name] = subprocess.Popen(
                _reputation(self.folder.config, *args), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                cwd=self.folder.root,
            )
        finally:
            log.close()

    def exited(self) -> str | None:
        """The name of a child that ended on its own, if any."""
        return next((name for name, child in self.running.items() if child.poll() is not None), None)

    def stop(self) -> dict[str, int]:
        """SIGINT to each (the service finishes its running step), SIGKILL after STOP_WAIT_S; their exit codes."""
        for child in self.running.values():
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        codes = {}
        for name, child in self.running.items():
            try:
                codes[name] = child.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                codes[name] = child.wait()
        return codes

    def log_tail(self, name: str) -> str:
        text = (self.folder.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-15:])


def _ended(children: _Children) -> DemoError | None:
    ended = children.exited()
    if ended:
        return DemoError(f"`reputation {ended}` stopped unexpectedly; its log ends:\n{children.log_tail(ended)}")
    return None


def _wait_for_dashboard(url: str, children: _Children, stop: threading.Event) -> None:
    deadline = time.monotonic() + DASHBOARD_WAIT_S
    while time.monotonic() < deadline and not stop.is_set():
        if error := _ended(children):
            raise error
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            stop.wait(0.5)
    if not stop.is_set():
        raise DemoError(f"the dashboard did not answer within {DASHBOARD_WAIT_S} s:\n{children.log_tail('dashboard')}")


@contextmanager
def _signals(stop: threading.Event, live: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM stop the demo: at once while it starts, through `stop` once it runs."""

    def handle(signum, _frame):
        stop.set()
        if not live.is_set():
            raise KeyboardInterrupt

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_demo(root: Path, port_base: int, *, model: str = "bundled", echo: Callable[[str], None] = print,
             every: dict[str, str] | None = None) -> int:
    """Run the demo until stopped; returns the exit status (0 when everything stopped cleanly)."""
    folder = DemoFolder(root)
    ports = Ports.from_base(port_base)
    if folder.foreign_config():
        raise DemoError(f"{folder.config} is a config the demo did not write; give the demo a folder of its own (--folder)")
    _check_free(ports)
    folder.prepare()
    stop, live = threading.Event(), threading.Event()
    with _signals(stop, live), ExitStack() as running:
        world = World(folder.world)
        if not len(world):
            fill_history(world, utcnow())
        server = DemoServer(world, port=ports.sources).start()
        running.callback(server.stop)
        sink = MailSink(folder.mail, port=ports.smtp, on_message=lambda path, message: echo(
            f"✉  {message['Subject']}  →  {path.relative_to(folder.root)}")).start()
        running.callback(sink.stop)
        folder.write_config(ports, model=model, every=every)
        prepare_store(folder, echo)

        feed = LiveFeed(world, on_publish=lambda item: echo(
            f"+  new on {item.source}: {' '.join(item.text.split())[:70]}")).start()
        running.callback(feed.stop)
        children = _Children(folder)
        codes: dict[str, int] = {}
        running.callback(lambda: codes.update(children.stop()))
        children.start("run", "run")
        children.start("dashboard", "dashboard")
        live.set()
        dashboard = f"http://127.0.0.1:{ports.dashboard}"
        _wait_for_dashboard(dashboard, children, stop)
        if not stop.is_set():
            echo(
                f"\nThe demo of {COMPANY} is running.\n"
                f"  dashboard  {dashboard}   log in as {DEMO_USER} / {folder.password()[0]}\n"
                f"  sources    {server.base}/\n"
                f"  e-mails    {folder.mail}/  (.eml files; SMTP sink on 127.0.0.1:{ports.smtp})\n"
                f"  logs       {folder.logs}/\n"
                "Ctrl-C stops it; `reputation demo` again continues with the same data.\n"
            )
        while not stop.wait(1):
            if error := _ended(children):
                raise error
        echo("Stopping: the service finishes its running step…")
    unclean = {name: code for name, code in codes.items() if code not in (0, -signal.SIGINT)}
    if unclean:
        echo(f"error: not every part stopped cleanly: {unclean}")
        return 1
    echo("Demo stopped.")
    return 0
