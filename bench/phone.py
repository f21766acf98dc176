"""Bytes a patient's phone downloads for the diary page: first visit, then a repeat visit
served by the service worker.

Debian's chromium, driven by Playwright, loads ``/diary`` through a counting TCP
proxy on loopback: the proxy counts every byte the server sends (headers and
bodies as they travel, so compressed where the server compresses), including
what the service worker fetches for itself, which the page's own network events
do not see. The page's DevTools Network events (``encodedDataLength``) give the
per-resource breakdown and say which answers came from the service worker.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench.servers import SignedIn

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "en-GB", "timezone_id": "Europe/London"}


class CountingProxy:
    """A loopback TCP proxy in a thread of its own that counts the bytes sent downstream."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.down = 0
        self.port = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: bool) -> None:
        try:
            while chunk := await reader.read(65536):
                if count:
                    self.down += len(chunk)
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        await asyncio.gather(self._pipe(reader, up_writer, False), self._pipe(up_reader, writer, True))

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


@dataclass
class Visit:
    wire_bytes: int                 # everything the server sent, through the proxy
    page_bytes: int                 # the page's own network events, not from the service worker
    from_service_worker: int        # answers the service worker gave from its cache
    resources: list[tuple[str, int, bool]] = field(default_factory=list)  # path, bytes, from the worker


@dataclass
class PhoneBytes:
    first: Visit
    repeat: Visit
    worker_active: bool
    after_first: int   # bytes sent after the first visit settled, before the repeat (the worker's install)


def _visit(page, proxy: CountingProxy, url: str, settle_ms: int) -> Visit:  # type: ignore[no-untyped-def]
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    answers: dict[str, tuple[str, bool]] = {}
    sizes: dict[str, int] = {}
    cdp.on("Network.responseReceived", lambda e: answers.__setitem__(
        e["requestId"], (urlsplit(e["response"]["url"]).path, bool(e["response"].get("fromServiceWorker")))))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    before = proxy.down
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(settle_ms)
    cdp.detach()
    resources = [(path, sizes.get(rid, 0), worker) for rid, (path, worker) in answers.items()]
    return Visit(wire_bytes=proxy.down - before,
                 page_bytes=sum(n for _, n, worker in resources if not worker),
                 from_service_worker=sum(1 for *_, worker in resources if worker), resources=resources)


def measure(app_port: int, signed_in: SignedIn, settle_ms: int = 1500) -> PhoneBytes:
    from playwright.sync_api import sync_playwright

    proxy = CountingProxy(app_port)
    base = f"http://127.0.0.1:{proxy.port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=["--no-sandbox", "--disable-background-networking"])
            try:
                context = browser.new_context(**PHONE)
                context.add_cookies([{"name": k, "value": v, "url": base} for k, v in signed_in.cookies.items()])
                page = context.new_page()
                first = _visit(page, proxy, f"{base}/diary", settle_ms)
                active = page.evaluate("""async () => {
                    if (!('serviceWorker' in navigator)) return false;
                    const reg = await navigator.serviceWorker.ready;
                    return !!reg.active;
                }""")
                before = proxy.down
                page.wait_for_timeout(settle_ms)  # let the worker finish caching the shell
                after_first = proxy.down - before
                repeat = _visit(page, proxy, f"{base}/diary", settle_ms)
            finally:
                browser.close()
    finally:
        proxy.stop()
    return PhoneBytes(first=first, repeat=repeat, worker_active=bool(active), after_first=after_first)
