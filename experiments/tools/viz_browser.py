"""Drive the ``tiersim-viz`` page in a real browser (Playwright + Debian's chromium).

Used by ``tests/test_viz.py`` and to take the README's screenshots:

``python -m experiments.tools.viz_browser [--out docs/img] [--days 91]`` starts the page on a free
port, and for each design and for the two side by side saves ``viz_<design>_day0.png`` and
``viz_<design>_day<N>.png`` (the whole page; ``<design>`` ``tiered``, ``generalist``,
``side_by_side``), and ``viz_readme.png`` (the first screen of the tiered run on day N).

Playwright's own browser download does not work here (no internet but package registries), so
this drives Debian's chromium: ``apt-get install -y chromium`` (``.ci/run`` does it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TIERSIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MISSING_CHROMIUM = (f"Debian's chromium is not at {CHROMIUM}: run `apt-get install -y chromium` "
                    "(as root; .ci/run does it on CI). Playwright's own browser download does "
                    "not work without internet.")


class Server:
    """The ``tiersim-viz`` console script on a free port, in its own process group; its output
    is kept (``text()``)."""

    def __init__(self, timeout: float = 120.0) -> None:
        self.log: list[str] = []
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "tiersim-viz"), "--port", "0"], cwd=str(ROOT),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.url = ""
        ready = threading.Event()

        def read() -> None:
            for line in self.proc.stdout:
                self.log.append(line.rstrip("\n"))
                m = re.search(r"the page is at (http://\S+)", line)
                if m:
                    self.url = m.group(1)
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(timeout) or not self.url:
            self.stop()
            raise RuntimeError("tiersim-viz did not start:\n" + "\n".join(self.log[-40:]))

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def text(self) -> str:
        return "\n".join(self.log)


@contextlib.contextmanager
def serve() -> Iterator[Server]:
    server = Server()
    try:
        yield server
    finally:
        server.stop()


def launch(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError(MISSING_CHROMIUM)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def offline(page, outside: list[str]) -> None:
    """Block (and record) every request that leaves this machine."""

    def handle(route):
        host = re.sub(r"^[a-z]+://([^/:]+).*$", r"\1", route.request.url)
        if host in ("127.0.0.1", "localhost", "[::1]") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", handle)


def wait_rendered(page, charts: int, timeout_ms: int = 60_000) -> None:
    """Until the day counter, the network and ``charts`` chart images are on the page."""
    page.wait_for_selector(".tiersim-day", timeout=timeout_ms)
    page.wait_for_function(
        """n => {
            const imgs = [...document.querySelectorAll('img.tiersim-network, img.tiersim-chart')];
            return imgs.length === n + 1 && imgs.every(i => i.complete && i.naturalWidth > 100);
        }""", arg=charts, timeout=timeout_ms)


def day(page) -> str:
    return page.inner_text(".tiersim-day")


def day_number(page) -> int:
    return int(re.match(r"Day (\d+)", day(page)).group(1))


def wait_still(page, quiet_s: float = 4.0, timeout_s: float = 60.0) -> str:
    """Until the day counter has not moved for ``quiet_s`` (a step that was under way when
    Pause was clicked still finishes and draws); returns it."""
    end = time.monotonic() + timeout_s
    last, since = day(page), time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.25)
        now = day(page)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return now
    raise AssertionError(f"the day counter kept moving for {timeout_s} s (last: {last})")


def wait_drawn(page, n: int, timeout_ms: int = 60_000) -> None:
    """Until the network and every chart show day ``n`` (their alt text names the day)."""
    page.wait_for_function(
        """n => {
            const imgs = [...document.querySelectorAll('img.tiersim-network, img.tiersim-chart')];
            return imgs.length > 1 && imgs.every(i => i.complete &&
                new RegExp(`day ${n}[.:]`).test(i.alt));
        }""", arg=n, timeout=timeout_ms)


def alts(page, cls: str) -> list[str]:
    return page.eval_on_selector_all(f"img.{cls}", "els => els.map(e => e.alt)")


def wait_day(page, pattern: str, timeout_ms: int = 30_000) -> None:
    page.wait_for_function(
        "p => { const e = document.querySelector('.tiersim-day');"
        " return e && new RegExp(p).test(e.innerText); }", arg=pattern, timeout=timeout_ms)


def choose_design(page, design: str) -> None:
    select = page.locator(".v-select").filter(has_text="Org design")
    select.click()
    option = page.locator(".v-menu__content .v-list-item").filter(has_text=design).first
    option.wait_for(state="visible")
    option.click()
    page.wait_for_function(
        "d => [...document.querySelectorAll('.v-select')].some(e => "
        "e.innerText.includes('Org design') && e.innerText.includes(d))", arg=design)


def step(page, times: int = 1) -> None:
    button = page.get_by_role("button", name="Step")
    for _ in range(times):
        button.click()


def _slider(page, caption: str, value: int, top: int = 91) -> None:
    """Set the sidebar slider whose caption starts with ``caption`` (1 to ``top`` in steps of
    1), one key at a time: each waits for the page to show the new value (keys pressed faster
    than the server answers can be undone by its echo of an older value)."""
    control = page.locator(".tiersim-control").filter(has_text=caption)
    thumb = control.get_by_role("slider")
    thumb.focus()

    def shown(n: int) -> None:
        page.wait_for_function(
            "([c, n]) => [...document.querySelectorAll('.tiersim-control')].some(e => "
            "e.innerText.startsWith(c) && new RegExp(`\\\\b${n}\\\\b`).test(e.innerText))",
            arg=[caption, n])

    if value >= top:
        thumb.press("End")
        shown(top)
        return
    thumb.press("Home")
    shown(1)
    for n in range(2, value + 1):
        thumb.press("ArrowRight")
        shown(n)


def set_step_days(page, days: int) -> None:
    """The "Days per Step" slider (1 to 91): Step then runs that many days."""
    _slider(page, "Days per Step", days)


def set_draw_every(page, days: int) -> None:
    """The "While ▶ plays, redraw every N days" slider (1 to 91)."""
    _slider(page, "While ▶ plays", days)


def side_by_side(page, on: bool = True) -> None:
    """Switch the side-by-side view on (or off) and wait for its networks."""
    switch = page.get_by_label(re.compile("^Side by side"))
    if switch.is_checked() != on:
        page.get_by_text(re.compile("^Side by side")).click()
    page.wait_for_function("n => document.querySelectorAll('img.tiersim-network').length == n",
                           arg=2 if on else 1)


def play_for(page, seconds: float) -> tuple[int, float, int]:
    """Press ▶, wait ``seconds``, read the day counter, press ❚❚: (days played, seconds, the
    largest lag seen between the day counter and the day the charts show)."""
    start = day_number(page)
    page.get_by_role("button", name="▶").click()
    t0 = time.perf_counter()
    lag = 0
    while time.perf_counter() - t0 < seconds:
        page.wait_for_timeout(200)
        drawn = page.eval_on_selector("img.tiersim-chart",
                                      "e => +(/day (\\d+)/.exec(e.alt) || [0, 0])[1]")
        lag = max(lag, day_number(page) - drawn)
    days, elapsed = day_number(page) - start, time.perf_counter() - t0
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for()
    return days, elapsed, lag


def page_bottom(page) -> int:
    return int(page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('img.tiersim-network, "
        "img.tiersim-chart')].map(e => e.getBoundingClientRect().bottom))"))


def screenshots(out: Path, days: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from experiments.viz import shown_charts
    n_charts = len(shown_charts())

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with serve() as server, sync_playwright() as pw:
        browser = launch(pw)
        for design in ("tiered", "generalist", "side_by_side"):
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(server.url)
            wait_rendered(page, n_charts)
            if design == "side_by_side":
                side_by_side(page)
                wait_drawn(page, 0)
            elif design != "tiered":
                choose_design(page, design)
                page.get_by_role("button", name="Reset").click()
                page.wait_for_function(
                    "d => document.querySelector('.tiersim-status')?.innerText.includes(d)",
                    arg=f"design: {design}")
                wait_rendered(page, n_charts)
            for when in (0, days):
                if when:
                    set_step_days(page, when)
                    step(page)
                    wait_day(page, rf"^Day {when}\b")
                    wait_drawn(page, when)
                page.set_viewport_size({"width": 1500, "height": page_bottom(page) + 30})
                page.wait_for_timeout(800)
                path = out / f"viz_{design}_day{when}.png"
                page.screenshot(path=str(path))
                saved.append(path)
                page.set_viewport_size({"width": 1500, "height": 1000})
            page.close()
        browser.close()
    from PIL import Image  # the README's picture: the first screen of the tiered run

    with Image.open(out / f"viz_tiered_day{days}.png") as im:
        top = out / "viz_readme.png"
        im.crop((0, 0, im.width, min(im.height, 1250))).save(top, optimize=True)
    saved.append(top)
    return saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    ap.add_argument("--days", type=int, default=91,
                    help="days before the 2nd shot (1 to 91: one Step)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    for path in screenshots(Path(args.out), args.days):
        print(path)
    print(f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
