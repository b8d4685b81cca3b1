"""The built site in a real browser: headless Chromium, driven over the DevTools protocol.

No Python package is needed: Chromium is started with ``--remote-debugging-pipe`` and the protocol's JSON
messages travel over two pipes (file descriptors 3 and 4 of the browser, NUL-terminated messages). The site is
served from a subfolder by ``http.server`` on 127.0.0.1 with an ephemeral port. Each page must load without a
console error, an uncaught exception or a failed request, must not ask for anything outside 127.0.0.1, and
must draw its plots. Screenshots go to ``$KBENCH_SHOTS`` (default: ``site-shots/`` at the repository root,
which git ignores).

Needs Chromium: ``apt-get install -y chromium`` (Debian; the binary is /usr/bin/chromium). Set
``KBENCH_CHROMIUM`` to use another binary. Skipped when none is found.
"""
from __future__ import annotations

import base64
import fcntl
import functools
import http.server
import json
import os
import select
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("asv")

from test_site import make_fixture  # noqa: E402  (tests/ is on sys.path under pytest's default import mode)

from kbench import site  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def _chromium():
    for candidate in (os.environ.get("KBENCH_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)")


class CDPError(RuntimeError):
    pass


class Browser:
    """Headless Chromium and a minimal DevTools-protocol client over ``--remote-debugging-pipe``."""

    def __init__(self, binary: str, profile: Path, width: int = 1360, height: int = 900):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # move the browser's ends above 3 and 4 first, so that the shell's redirections cannot clobber them
        to_browser_r, from_browser_w = (self._high(fd) for fd in (to_browser_r, from_browser_w))
        args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
                f"--user-data-dir={profile}", f"--window-size={width},{height}", "--remote-debugging-pipe",
                "about:blank"]
        # the browser reads commands on its fd 3 and writes replies and events on its fd 4
        shell = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w} {to_browser_r}<&- {from_browser_w}>&-'
        # bash, not sh: dash only accepts single-digit descriptors in redirections
        self.proc = subprocess.Popen([shutil.which("bash") or "/bin/bash", "-c", shell, *args], pass_fds=(to_browser_r, from_browser_w),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events = []
        self.session = None
        self.width, self.height = width, height

    @staticmethod
    def _high(fd: int) -> int:
        new = fcntl.fcntl(fd, fcntl.F_DUPFD, 20)
        os.close(fd)
        return new

    # -- transport ---------------------------------------------------------------------------------------------
    def _read_message(self, deadline: float):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message from the browser")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise CDPError("the browser closed the pipe: " + (self.proc.stderr.read(4000) or b"").decode(errors="replace"))
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def send(self, method: str, params=None, session: bool = True, timeout: float = 30.0):
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def pump(self, seconds: float):
        """Collect events for a while."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except TimeoutError:
            pass

    # -- page helpers ----------------------------------------------------------------------------------------
    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": self.height,
                                                         "deviceScaleFactor": 1, "mobile": False})

    def navigate(self, url: str, timeout: float = 30.0):
        if getattr(self, "_url", "").split("#")[0] == url.split("#")[0] and url != "about:blank":
            self.navigate("about:blank")  # a new fragment alone would not reload the page
        self._url = url
        self.events = []
        self.send("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            try:
                self.events.append(self._read_message(deadline))
            except TimeoutError:
                raise TimeoutError(f"{url} did not finish loading")

    def evaluate(self, expression: str):
        reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise CDPError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return True
            self.pump(0.2)
        return False

    def screenshot(self, path: Path, full: bool = True, max_height: int = 5000):
        """A PNG of the page: all of it (up to ``max_height`` pixels) or the viewport only. A full capture
        resizes the viewport for a moment, which fires the page's resize handlers (asv replots then): take
        full captures of static pages only, and look at a page's problems before capturing it."""
        params = {"format": "png"}
        if full:
            metrics = self.send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            height = min(int(size["height"]) + 1, max_height)
            width = max(int(size["width"]), self.width)
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        shot = self.send("Page.captureScreenshot", params, timeout=60)
        path.write_bytes(base64.b64decode(shot["data"]))

    def problems(self, allowed_origin: str):
        """Console errors, uncaught exceptions, failed or external requests seen since the last navigation."""
        out = []
        for e in self.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(f"exception: {p.get('exceptionDetails', {}).get('text')} "
                           f"{p.get('exceptionDetails', {}).get('exception', {}).get('description', '')}")
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif method == "Network.loadingFailed" and not p.get("canceled"):
                out.append(f"request failed: {p.get('errorText')} ({p.get('requestId')})")
            elif method == "Network.responseReceived" and p.get("response", {}).get("status", 200) >= 400:
                out.append(f"HTTP {p['response']['status']}: {p['response'].get('url')}")
            elif method == "Network.requestWillBeSent":
                url = p.get("request", {}).get("url", "")
                if not (url.startswith(allowed_origin) or url.startswith("data:") or url == "about:blank"):
                    out.append(f"external request: {url}")
        return out

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.stderr:
            self.proc.stderr.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    fx = make_fixture(root / "data")
    public = root / "public"
    # the site lives in a subfolder of what is served: every link must be relative to work there
    site.build(public / "results-site", fx["results"], fx["config"])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(public)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    browser = Browser(CHROMIUM, root / "profile")
    try:
        browser.open_page()
        shots = Path(os.environ.get("KBENCH_SHOTS") or REPO / "site-shots")
        shots.mkdir(parents=True, exist_ok=True)
        yield {"origin": origin, "base": f"{origin}/results-site", "browser": browser, "shots": shots}
    finally:
        browser.close()
        server.shutdown()
        server.server_close()


KBENCH_VIEWS = ["index.html", "scaling.html", "scaling-matmul.html", "scaling-sumsq.html", "layout.html",
                "releases.html", "roofline.html", "environment.html",
                "release-checks/release-check-0.67.0-vs-0.68.1.html"]


@pytest.mark.parametrize("page", KBENCH_VIEWS)
def test_kbench_view_in_browser(served, page):
    b = served["browser"]
    b.navigate(f"{served['base']}/kbench/{page}")
    b.pump(0.3)
    assert b.evaluate("document.querySelector('nav.top a') !== null"), "no navigation bar"
    svg_count = b.evaluate("document.querySelectorAll('svg.chart').length")
    plotted = b.evaluate("document.querySelectorAll('svg.chart .pt, svg.chart .bar, svg.chart .series').length")
    if page not in ("index.html", "environment.html") and not page.startswith("release-checks/"):
        assert svg_count > 0, "no chart"
        assert plotted > 0, "charts without data"
        # the charts are laid out with a real size
        assert b.evaluate("Math.min(...[...document.querySelectorAll('svg.chart')].slice(0, 20)"
                          ".map(s => s.getBoundingClientRect().width))") > 200
    problems = b.problems(served["origin"])
    b.screenshot(served["shots"] / ("kbench-" + page.replace("/", "-").replace(".html", ".png")))
    assert problems == []


def _asv_scripts_local():
    """asv's graphs draw offline only with its scripts at hand (nothing is downloaded; see _publish.vendor_dir)."""
    from kbench.site import _publish

    folder, why = _publish.vendor_dir()
    if folder is None:
        pytest.skip(why)


def test_asv_graph_page_in_browser(served):
    _asv_scripts_local()
    b = served["browser"]
    b.navigate(f"{served['base']}/index.html#sumsq.SumSquares.time_kernel")
    assert b.wait_for("document.querySelector('#main-graph canvas.flot-base') !== null"), \
        "asv drew no graph (its scripts did not load?)"
    b.pump(0.5)
    # the canvas holds drawn pixels, not an empty plot
    drawn = b.evaluate("""(() => { const c = document.querySelector('#main-graph canvas.flot-base');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()""")
    assert drawn > 1000
    assert b.evaluate("document.querySelector('#nav-li-kbench a') !== null"), "no link to the kernel views"
    problems = b.problems(served["origin"])
    b.screenshot(served["shots"] / "asv-graph-sumsq.png", full=False)
    assert problems == []


def test_asv_regressions_and_grid_in_browser(served):
    _asv_scripts_local()
    b = served["browser"]
    b.navigate(f"{served['base']}/index.html#/regressions")
    assert b.wait_for("document.querySelector('#regressions-body table, #regressions-body') !== null")
    b.pump(0.5)
    problems = b.problems(served["origin"])
    b.screenshot(served["shots"] / "asv-regressions.png", full=False)
    assert problems == []
    b.navigate(f"{served['base']}/index.html")
    assert b.wait_for("document.querySelectorAll('.benchmark-container, #summarygrid-display a').length > 0")
    b.pump(0.3)
    problems = b.problems(served["origin"])
    b.screenshot(served["shots"] / "asv-grid.png", full=False)
    assert problems == []


def test_navigation_from_asv_to_kbench_and_back(served):
    _asv_scripts_local()
    b = served["browser"]
    b.navigate(f"{served['base']}/index.html")
    assert b.wait_for("document.querySelector('#nav-li-kbench a') !== null")
    href = b.evaluate("document.querySelector('#nav-li-kbench a').href")
    assert href == f"{served['base']}/kbench/index.html"
    b.navigate(href)
    back = b.evaluate("[...document.querySelectorAll('nav.top a')].map(a => a.href)")
    assert f"{served['base']}/index.html" in back
    assert b.problems(served["origin"]) == []
