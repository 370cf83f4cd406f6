"""A lesson on a phone over a slow link: page weight and time to text under "Slow 3G".

Run from the project root with the virtualenv's python (`make slow3g`):

    .venv/bin/python -m bench.slow3g [--direct]

It builds the same throwaway production-like site as bench.pages (SQLite, collected
static files, demo content), serves it with gunicorn behind a small proxy that
compresses responses as the deploy's nginx does, and opens two lessons of the demo
course in Debian's Chromium, 360 x 740, under DevTools' Slow 3G profile: cold, warm
(HTTP cache) and warm with the service worker in control. See bench/README.md.
"""

import argparse
import gzip
import http.client
import itertools
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

from bench.pages import (
    HOST,
    LOGIN_PATH,
    PARTICIPANT_EMAIL,
    PARTICIPANT_PASSWORD,
    bench_environment,
    build_site,
    free_port,
    log_tail,
    start_server,
    stop_server,
    wait_until_ready,
)
from tests.browser.conftest import CHROMIUM_ARGS

CHROMIUM = "/usr/bin/chromium"
# DevTools' "Slow 3G" preset: 500 kbit/s and 400 ms, derated as Chromium does
# (throughput x 0.8, latency x 5).
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
    "connectionType": "cellular3g",
}
KB = 1024
# What a phone fetches before it can show the lesson: the page, its stylesheets and its
# scripts, compressed, in the main frame (images and the H5P player load apart).
BUDGET = 60 * KB
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "locale": "es-EC"}
TIMEOUT_MS = 180_000
# The network counts as done once nothing has been in flight for this long.
QUIET_SECONDS = 2.0
COURSE_PATH = "/cursos/movilidad-humana-en-el-pdot/"


@dataclass(frozen=True)
class Lesson:
    label: str
    path: str
    h5p: bool


LESSONS = (
    Lesson("1 por-que-importa (H5P)", COURSE_PATH + "por-que-importa/", h5p=True),
    Lesson("2 marco-normativo", COURSE_PATH + "marco-normativo/", h5p=False),
)

# Resource types as DevTools names them; everything else (manifest, fetch, beacon) is "other".
KINDS = {"Document": "html", "Stylesheet": "css", "Script": "js", "Image": "image", "Font": "font"}
COLUMNS = ("html", "css", "js", "image", "font", "other", "frame")

# The first animation frame in which the lesson's first paragraph has a box: Chromium
# runs no animation frame while render-blocking stylesheets are pending, and the
# frame's paint follows it within milliseconds.
TEXT_PROBE = """
(() => {
  if (window.top !== window) return;
  const probe = () => {
    const paragraph = document.querySelector(".lesson .prose p");
    if (paragraph) {
      const box = paragraph.getBoundingClientRect();
      if (box.width > 0 && box.height > 0 && getComputedStyle(paragraph).visibility !== "hidden") {
        window.__aulaTextShown = performance.now();
        return;
      }
    }
    requestAnimationFrame(probe);
  };
  requestAnimationFrame(probe);
})();
"""
FCP = """() => {
  const entry = performance.getEntriesByName("first-contentful-paint")[0];
  return entry ? entry.startTime : false;
}"""


class BenchError(Exception):
    """Something could not be measured."""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--direct",
        action="store_true",
        help="talk to gunicorn directly: pages go uncompressed, static files as whitenoise picks",
    )
    return parser.parse_args(argv)


# --- What nginx does to response bodies -------------------------------------------

# deploy/nginx/aula.conf: gzip on (level 1, nginx's default), gzip_min_length 1024, these
# types besides text/html, and gzip_static for collected files (nginx has no brotli).
GZIP_TYPES = {
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/ld+json",
    "image/svg+xml",
}
GZIP_MIN_LENGTH = 1024
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


class CompressingProxy(BaseHTTPRequestHandler):
    """Forwards each request to gunicorn and compresses the answer as nginx would."""

    protocol_version = "HTTP/1.1"
    upstream_port = 0

    def log_message(self, *args) -> None:
        """Quiet: the bench prints its own report."""

    def forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        accepts_gzip = "gzip" in (self.headers.get("Accept-Encoding") or "")
        headers = {
            name: value
            for name, value in self.headers.items()
            if name.lower() not in HOP_BY_HOP | {"accept-encoding"}
        }
        # gzip_static: the .gz collectstatic wrote, never whitenoise's brotli.
        headers["Accept-Encoding"] = "gzip" if accepts_gzip else "identity"
        upstream = http.client.HTTPConnection(HOST, self.upstream_port, timeout=60)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            reply = [
                (name, value)
                for name, value in response.getheaders()
                if name.lower() not in HOP_BY_HOP | {"content-length", "date", "server"}
            ]
        except (OSError, http.client.HTTPException):
            self.send_error(502)
            return
        finally:
            upstream.close()
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if (
            accepts_gzip
            and self.command != "HEAD"
            and content_type in GZIP_TYPES
            and not response.getheader("Content-Encoding")
            and len(payload) >= GZIP_MIN_LENGTH
        ):
            payload = gzip.compress(payload, compresslevel=1, mtime=0)
            reply.append(("Content-Encoding", "gzip"))
            vary = response.getheader("Vary") or ""
            if "accept-encoding" not in vary.lower():
                reply = [(n, v) for n, v in reply if n.lower() != "vary"]
                reply.append(("Vary", f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"))
        self.send_response(response.status, response.reason)
        for name, value in reply:
            self.send_header(name, value)
        length = response.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in (204, 304):
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = forward


def start_proxy(upstream_port: int) -> ThreadingHTTPServer:
    handler = type("Handler", (CompressingProxy,), {"upstream_port": upstream_port})
    proxy = ThreadingHTTPServer((HOST, 0), handler)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    return proxy


# --- What went over the network -----------------------------------------------------


@dataclass
class Transfer:
    url: str = ""
    frame: str = ""
    kind: str = "other"
    bytes: int = 0
    # Served by the HTTP cache or the service worker: nothing crossed the network.
    local: bool = False
    done: bool = False


class NetworkLog:
    """The requests one DevTools target reports, with the bytes each took on the wire.

    `encodedDataLength` counts what arrived: the compressed body and the headers.
    """

    def __init__(self):
        self.transfers: dict[str, Transfer] = {}

    def handle(self, method: str, params: dict) -> None:
        handler = {
            "Network.requestWillBeSent": self.sent,
            "Network.requestServedFromCache": self.from_cache,
            "Network.responseReceived": self.response,
            "Network.loadingFinished": self.finished,
            "Network.loadingFailed": self.failed,
        }.get(method)
        if handler:
            handler(params)

    def listen(self, session) -> None:
        for method in (
            "Network.requestWillBeSent",
            "Network.requestServedFromCache",
            "Network.responseReceived",
            "Network.loadingFinished",
            "Network.loadingFailed",
        ):
            session.on(method, lambda params, method=method: self.handle(method, params))

    def _transfer(self, params: dict) -> Transfer:
        return self.transfers.setdefault(params["requestId"], Transfer())

    def sent(self, params: dict) -> None:
        transfer = self._transfer(params)
        transfer.url = params["request"]["url"]
        transfer.frame = params.get("frameId", "")
        transfer.kind = KINDS.get(params.get("type"), "other")
        if transfer.url.startswith(("data:", "blob:")):
            transfer.local = True

    def from_cache(self, params: dict) -> None:
        self._transfer(params).local = True

    def response(self, params: dict) -> None:
        transfer = self._transfer(params)
        transfer.kind = KINDS.get(params.get("type"), transfer.kind)
        answer = params["response"]
        if (
            answer.get("fromDiskCache")
            or answer.get("fromServiceWorker")
            or answer.get("fromPrefetchCache")
        ):
            transfer.local = True

    def finished(self, params: dict) -> None:
        transfer = self._transfer(params)
        transfer.bytes = int(params.get("encodedDataLength") or 0)
        transfer.done = True

    def failed(self, params: dict) -> None:
        self._transfer(params).done = True

    def pending(self) -> int:
        return sum(not transfer.done for transfer in self.transfers.values())


@dataclass
class Child:
    """A target attached through the relay: an out-of-process frame or the service worker."""

    kind: str
    url: str
    log: NetworkLog = field(default_factory=NetworkLog)
    errors: list[str] = field(default_factory=list)


class Relay:
    """Targets beside the page, reached through one CDP session in DevTools' non-flat mode.

    Playwright keeps the flat sessions for itself, so these go through
    `Target.sendMessageToTarget`. Each target of the kinds asked for gets the page's
    network conditions and a log of its own.
    """

    def __init__(self, session, conditions: dict, kinds: set[str]):
        self.session = session
        self.conditions = conditions
        self.kinds = kinds
        self.children: dict[str, Child] = {}
        self.ids = itertools.count(1)
        session.on("Target.attachedToTarget", self.attached)
        session.on("Target.detachedFromTarget", self.detached)
        session.on("Target.receivedMessageFromTarget", self.received)

    def send(self, session_id: str, method: str, params: dict | None = None) -> None:
        message = {"id": next(self.ids), "method": method, "params": params or {}}
        self.session.send(
            "Target.sendMessageToTarget", {"sessionId": session_id, "message": json.dumps(message)}
        )

    def attached(self, params: dict) -> None:
        info, session_id = params["targetInfo"], params["sessionId"]
        if info["type"] not in self.kinds or session_id in self.children:
            return
        self.children[session_id] = Child(kind=info["type"], url=info.get("url", ""))
        self.send(session_id, "Network.enable")
        self.send(session_id, "Network.emulateNetworkConditions", self.conditions)

    def attach(self, target: dict) -> None:
        """Attach to a target that is not the page's own child (the service worker)."""
        reply = self.session.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False}
        )
        self.attached({"targetInfo": target, "sessionId": reply["sessionId"]})

    def detached(self, params: dict) -> None:
        self.children.pop(params.get("sessionId"), None)

    def received(self, params: dict) -> None:
        child = self.children.get(params["sessionId"])
        if child is None:
            return
        message = json.loads(params["message"])
        if "method" in message:
            child.log.handle(message["method"], message.get("params") or {})
        elif "error" in message:
            child.errors.append(message["error"].get("message", str(message["error"])))

    def logs(self) -> list[NetworkLog]:
        return [child.log for child in self.children.values()]

    def clear(self) -> None:
        for log in self.logs():
            log.transfers.clear()

    def pending(self) -> int:
        return sum(log.pending() for log in self.logs())


class Tap:
    """One page under the network profile: its own log, its frames' and the worker's."""

    def __init__(self, context, page, conditions: dict, worker: Relay | None = None):
        self.page = page
        self.session = context.new_cdp_session(page)
        self.log = NetworkLog()
        self.log.listen(self.session)
        self.session.send("Network.enable")
        self.session.send("Network.emulateNetworkConditions", conditions)
        # The player's sandboxed frame may run in a process of its own.
        self.frames = Relay(self.session, conditions, kinds={"iframe"})
        self.session.send(
            "Target.setAutoAttach",
            {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": False},
        )
        self.worker = worker

    def relays(self) -> list[Relay]:
        return [self.frames, self.worker] if self.worker else [self.frames]

    def clear(self) -> None:
        self.log.transfers.clear()
        for relay in self.relays():
            relay.clear()

    def transfers(self) -> dict[str, Transfer]:
        """The page's requests and its frames', one each.

        A frame in a process of its own is asked for by the page, so the page's
        target reports the request, and the frame's target reports how it finished:
        both under the same request id.
        """
        merged: dict[str, Transfer] = {}
        for log in [self.log, *self.frames.logs()]:
            for request_id, part in log.transfers.items():
                whole = merged.setdefault(request_id, Transfer())
                whole.url = whole.url or part.url
                whole.frame = whole.frame or part.frame
                if part.kind != "other":
                    whole.kind = part.kind
                whole.bytes = max(whole.bytes, part.bytes)
                whole.local = whole.local or part.local
                whole.done = whole.done or part.done
        return merged

    def pending(self) -> int:
        worker = self.worker.pending() if self.worker else 0
        return sum(not transfer.done for transfer in self.transfers().values()) + worker

    def wait_quiet(self) -> None:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            # Events are delivered while Playwright waits, not while this loop runs.
            self.page.wait_for_timeout(250)
            if self.pending():
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET_SECONDS:
                return
        waiting = [t.url for t in self.transfers().values() if not t.done]
        raise BenchError(f"the network never went quiet on {self.page.url} (waiting for {waiting})")

    def tally(self) -> dict[str, int]:
        """Bytes on the network by kind; everything of other frames counts as "frame"."""
        main = self.session.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        in_frames = {request_id for log in self.frames.logs() for request_id in log.transfers}
        totals = dict.fromkeys(COLUMNS, 0)
        bucket_of = {}
        for request_id, transfer in self.transfers().items():
            in_main = transfer.frame == main or (not transfer.frame and request_id not in in_frames)
            bucket = transfer.kind if in_main else "frame"
            bucket_of.setdefault(transfer.url, bucket)
            if not transfer.local:
                totals[bucket] += transfer.bytes
        # The worker fetches on the page's behalf: what it brought counts as the page's.
        for log in self.worker.logs() if self.worker else []:
            for transfer in log.transfers.values():
                if not transfer.local:
                    totals[bucket_of.get(transfer.url, "other")] += transfer.bytes
        return totals


# --- The visits ---------------------------------------------------------------------


@dataclass
class Visit:
    lesson: Lesson
    variant: str
    bytes: dict[str, int]
    text_ms: float
    fcp_ms: float | None

    @property
    def critical(self) -> int:
        return self.bytes["html"] + self.bytes["css"] + self.bytes["js"]


def log_in(browser, base_url: str) -> dict:
    """Log the demo participant in through the form; return the session for new contexts."""
    context = browser.new_context(base_url=base_url, service_workers="block", **PHONE)
    try:
        page = context.new_page()
        page.goto(LOGIN_PATH)
        page.get_by_label("Correo electrónico", exact=True).fill(PARTICIPANT_EMAIL)
        password = page.get_by_label("Contraseña", exact=True)
        password.fill(PARTICIPANT_PASSWORD)
        password.press("Enter")
        page.wait_for_url(lambda url: LOGIN_PATH not in url)
        if not any("session" in cookie["name"] for cookie in context.cookies()):
            raise BenchError(f"logging in as {PARTICIPANT_EMAIL} left no session cookie")
        return context.storage_state()
    finally:
        context.close()


def phone(browser, base_url: str, state: dict, *, service_workers: str):
    context = browser.new_context(
        base_url=base_url, storage_state=state, service_workers=service_workers, **PHONE
    )
    context.add_init_script(TEXT_PROBE)
    return context


def open_activity(page) -> None:
    """Bring the H5P activity into view, as the reader scrolls to it, and let its player load."""
    figure = page.locator("[data-h5p-activity]").first
    if not figure.count():
        raise BenchError(f"{page.url} shows no H5P activity")
    figure.scroll_into_view_if_needed()
    frame = page.locator("iframe.h5p-activity__frame").first
    try:
        frame.wait_for(state="attached", timeout=5000)
    except PlaywrightTimeoutError:  # a player that waits for a tap gets one
        figure.locator("[data-h5p-open]").click()
        frame.wait_for(state="attached", timeout=TIMEOUT_MS)
    frame.element_handle().content_frame().wait_for_load_state("load", timeout=TIMEOUT_MS)


def first_contentful_paint(page) -> float | None:
    # Chromium records the entry once the frame is presented, which may follow the load event.
    try:
        return page.wait_for_function(FCP, timeout=10_000).json_value()
    except PlaywrightTimeoutError:
        return None


def visit(tap: Tap, base_url: str, lesson: Lesson, variant: str) -> Visit:
    page = tap.page
    tap.clear()
    url = base_url + lesson.path
    response = page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    if response is None or response.status != 200 or page.url != url:
        status = response.status if response else "no response"
        raise BenchError(f"{lesson.path} answered {status} and showed {page.url}")
    text_ms = page.wait_for_function("() => window.__aulaTextShown", timeout=TIMEOUT_MS)
    text_ms = text_ms.json_value()
    page.wait_for_load_state("load", timeout=TIMEOUT_MS)
    tap.wait_quiet()
    fcp_ms = first_contentful_paint(page)
    if lesson.h5p:
        open_activity(page)
        tap.wait_quiet()
    # Nothing is on screen before the first contentful paint, whatever the probe saw.
    text_ms = max(text_ms, fcp_ms or 0.0)
    return Visit(lesson, variant, tap.tally(), text_ms, fcp_ms)


def measure_http_cache(browser, base_url: str, state: dict, lesson: Lesson) -> list[Visit]:
    """A first visit with an empty cache, then the lesson again in a new tab of that context."""
    context = phone(browser, base_url, state, service_workers="block")
    try:
        visits = []
        for variant in ("cold", "warm"):
            page = context.new_page()
            visits.append(visit(Tap(context, page, SLOW_3G), base_url, lesson, variant))
            page.close()
        return visits
    finally:
        context.close()


def measure_service_worker(browser, base_url: str, state: dict, lesson: Lesson) -> Visit:
    """The lesson again in a new tab once the service worker has installed and taken control."""
    context = phone(browser, base_url, state, service_workers="allow")
    devtools = browser.new_browser_cdp_session()
    try:
        page = context.new_page()
        page.goto(base_url + lesson.path, wait_until="load", timeout=TIMEOUT_MS)
        # It takes control after installing, and it installs once its files are cached.
        page.wait_for_function(
            "() => navigator.serviceWorker && navigator.serviceWorker.controller",
            timeout=TIMEOUT_MS,
        )
        page.close()
        targets = devtools.send("Target.getTargets")["targetInfos"]
        found = [
            target
            for target in targets
            if target["type"] == "service_worker" and target["url"].startswith(base_url)
        ]
        if not found:
            raise BenchError("the service worker took control but DevTools does not list it")
        worker = Relay(devtools, SLOW_3G, kinds={"service_worker"})
        worker.attach(found[0])
        page = context.new_page()
        tap = Tap(context, page, SLOW_3G, worker=worker)
        # The worker's replies (network on, conditions set) arrive while the page waits.
        page.wait_for_timeout(500)
        errors = [error for child in worker.children.values() for error in child.errors]
        if errors:
            raise BenchError(f"DevTools refused the worker's conditions: {errors[0]}")
        return visit(tap, base_url, lesson, "warm+sw")
    finally:
        devtools.detach()
        context.close()


def measure(base_url: str) -> tuple[list[Visit], list[str]]:
    visits, notes = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            state = log_in(browser, base_url)
            for lesson in LESSONS:
                print(f"  {lesson.path}")
                visits += measure_http_cache(browser, base_url, state, lesson)
                try:
                    visits.append(measure_service_worker(browser, base_url, state, lesson))
                except (BenchError, PlaywrightError) as error:
                    notes.append(f"warm+sw of {lesson.label}: not measured ({error})")
        except PlaywrightError as error:
            raise BenchError(str(error).splitlines()[0]) from error
        finally:
            browser.close()
    return visits, notes


# --- The report ---------------------------------------------------------------------


def kb(size: int) -> str:
    return f"{size / KB:.1f}"


def seconds(ms: float | None) -> str:
    return "-" if ms is None else f"{ms / 1000:.1f}"


def format_table(visits: list[Visit]) -> str:
    header = (
        f"{'lesson':<24} {'visit':<8} {'HTML':>6} {'CSS':>6} {'JS':>6} "
        f"{'H+C+J':>6} {'budget':>6} {'images':>6} {'other':>6} {'H5P frame':>9} "
        f"{'text s':>6} {'FCP s':>6}"
    )
    lines = [header, "-" * len(header)]
    for v in visits:
        verdict = "ok" if v.critical <= BUDGET else "OVER"
        frame = kb(v.bytes["frame"]) if v.lesson.h5p or v.bytes["frame"] else "-"
        lines.append(
            f"{v.lesson.label:<24} {v.variant:<8} {kb(v.bytes['html']):>6} {kb(v.bytes['css']):>6} "
            f"{kb(v.bytes['js']):>6} {kb(v.critical):>6} {verdict:>6} "
            f"{kb(v.bytes['image']):>6} {kb(v.bytes['other'] + v.bytes['font']):>6} "
            f"{frame:>9} {seconds(v.text_ms):>6} {seconds(v.fcp_ms):>6}"
        )
    return "\n".join(lines)


def format_budget(visits: list[Visit]) -> str:
    worst = max(visits, key=lambda v: v.critical)
    verdict = "holds" if worst.critical <= BUDGET else "does NOT hold"
    return (
        f"Budget: HTML + CSS + JS of the lesson page (main frame) <= {BUDGET // KB} KB per visit: "
        f"{verdict} (largest {kb(worst.critical)} KB: {worst.lesson.label}, {worst.variant})"
    )


def print_report(visits: list[Visit], notes: list[str], direct: bool) -> None:
    served = (
        "gunicorn directly (pages uncompressed)"
        if direct
        else "gunicorn behind a proxy that compresses as the deploy's nginx does (gzip 1)"
    )
    print()
    print(
        f"Slow 3G: {SLOW_3G['latency']} ms latency, {SLOW_3G['downloadThroughput']:,} bytes/s "
        f"down and up; Chromium {PHONE['viewport']['width']} x {PHONE['viewport']['height']}, "
        f"{PHONE['locale']}; served by {served}."
    )
    print(
        "KB = 1,024 bytes that crossed the network (compressed bodies and headers); "
        "a file from the HTTP cache or the service worker counts 0."
    )
    print()
    print(format_table(visits))
    print()
    print(format_budget(visits))
    fonts = [v for v in visits if v.bytes["font"]]
    if fonts:
        print(
            f"Web fonts were fetched ({', '.join(f'{v.lesson.label} {v.variant}' for v in fonts)})."
        )
    for note in notes:
        print(note)
    print(
        "\ncold: new context, empty cache, service workers blocked. warm: the lesson again "
        "in a new tab of that context. warm+sw: a new context whose service worker installed "
        "on a first visit and controls the second. text s: from navigation start until the "
        "lesson's first paragraph is painted. H5P frame: the activity's player, loaded once "
        "scrolled into view."
    )


# --- Main ---------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"bench: no Chromium at {CHROMIUM} (apt-get install chromium)")
        return 2
    print("Aula lesson on Slow 3G")
    print(f"Load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="aula-slow3g-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp)
        env = bench_environment(workdir)
        print("Building the site:")
        first_lesson, _h5p = build_site(env)
        if first_lesson != LESSONS[0].path:
            print(f"  (the demo participant's first lesson is {first_lesson})")
        port, log_path = free_port(), workdir / "gunicorn.log"
        server = start_server(env, port, "sync", log_path)
        proxy = None
        try:
            if not wait_until_ready(server, port):
                print(f"bench: gunicorn did not answer on {HOST}:{port}\n{log_tail(log_path)}")
                return 2
            if args.direct:
                base_url = f"http://{HOST}:{port}"
            else:
                proxy = start_proxy(port)
                base_url = f"http://{HOST}:{proxy.server_address[1]}"
            print(f"Measuring (gunicorn on {HOST}:{port}, pages at {base_url}):")
            try:
                visits, notes = measure(base_url)
            except BenchError as error:
                print(f"bench: {error}\n{log_tail(log_path)}")
                return 2
        finally:
            if proxy is not None:
                proxy.shutdown()
                proxy.server_close()
            stop_server(server)
        print_report(visits, notes, args.direct)
    return 0 if all(v.critical <= BUDGET for v in visits) else 1


if __name__ == "__main__":
    sys.exit(main())
