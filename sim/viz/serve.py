"""The class demo's server: Solara's own (`solara run`), behind a gate when `run.py viz`
listens beyond this computer, and telling its address once the page serves.

`python -m sim.viz.serve ...` is `solara run APP ...`, with its options; APP is SIM_VIZ_APP (one
of PAGES). With SIM_VIZ_TOKEN set, only requests that carry the token get through: the address
with `?token=...`, after which the browser keeps it in a cookie for the page's files and its
websocket. With SIM_VIZ_CODE set too (the participatory class), the short join code lets a
student in the same way (`?code=...`, or typed into the form a refused browser is shown).
SIM_VIZ_BANNER is printed once SIM_VIZ_PROBE, the page's address, answers.
"""

from __future__ import annotations

import functools
import hmac
import html
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

PAGES = ("sim.viz.app", "sim.viz.pair_app", "sim.viz.class_app")  # solo, side by side, class
APP_ENV = "SIM_VIZ_APP"
TOKEN_ENV = "SIM_VIZ_TOKEN"
CODE_ENV = "SIM_VIZ_CODE"
COOKIE = "sim_viz_token"
CODE_COOKIE = "sim_viz_code"
REFUSED = (
    b"403 Forbidden: this class demo needs its full address, with ?token=..., as "
    b"`run.py viz` printed it.\n"
)

JOIN_FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Join the class</title>
<style>body{{font:1.3em sans-serif;margin:3em auto;max-width:26em;padding:0 1em}}
input,button{{font-size:1.2em;padding:.3em}}</style></head><body>
<h1>Join the class</h1><p>{said}</p>
<form method="get" action="{path}"><label>Join code <input name="code" autocomplete="off"
autocapitalize="characters" required autofocus></label> <button>Join</button></form>
</body></html>"""

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class TokenGate:
    """ASGI middleware: a request without the token or the join code (in the query or its
    cookie) gets 403, a websocket without them is closed; the first request with either in
    its query sets the cookie."""

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], token: str, code: str = ""
    ):
        self.app = app
        self.keys = {COOKIE: ("token", token)}
        if code:
            self.keys[CODE_COOKIE] = ("code", code)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = {cookie: query.get(name, [""])[0] for cookie, (name, _) in self.keys.items()}
        in_query = [cookie for cookie, value in given.items() if self._is(cookie, value)]
        if in_query and scope["type"] == "http":
            await self.app(scope, receive, self._setting_cookie(send, in_query[0]))
        elif in_query or any(self._is(c, _cookie(scope, c)) for c in self.keys):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: a 403
        else:
            await self._refuse(send, scope.get("path", "/"), wrong=any(given.values()))

    def _is(self, cookie: str, given: str) -> bool:
        key = self.keys[cookie][1]
        if cookie == CODE_COOKIE:  # typed by a student: any case, spaces allowed
            given = given.replace(" ", "").replace("-", "").upper()
        return bool(given) and hmac.compare_digest(given.encode(), key.encode())

    async def _refuse(self, send: Send, path: str, wrong: bool) -> None:
        """403: the join form when students may join with a code, else one line of text."""
        if CODE_COOKIE in self.keys:
            said = "That code is not this class's. " if wrong else ""
            said += "Type the join code your teacher shows."
            page = JOIN_FORM.format(said=said, path=html.escape(path, quote=True))
            body, kind = page.encode(), b"text/html; charset=utf-8"
        else:
            body, kind = REFUSED, b"text/plain; charset=utf-8"
        headers = [(b"content-type", kind)]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _setting_cookie(self, send: Send, cookie: str) -> Send:
        value = self.keys[cookie][1]
        header = f"{cookie}={value}; Path=/; HttpOnly; SameSite=Strict".encode()

        async def sending(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", header)]
            await send(message)

        return sending


def _cookie(scope: Scope, name: str) -> str:
    """The cookie `name` of a request ('' when it has none)."""
    for header, value in scope.get("headers", []):
        if header == b"cookie":
            found = SimpleCookie(value.decode("latin-1")).get(name)
            if found:
                return found.value
    return ""


def announce(banner: str, probe: str, timeout: float = 600.0) -> None:
    """Print `banner` once `probe` (the page's address) answers: the first start of Solara
    takes a while, and an address printed before it serves looks broken to a class."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(probe, timeout=5):
                break
        except urllib.error.HTTPError:  # an answer, if not a 200
            break
        except OSError:  # not listening yet
            time.sleep(0.2)
    print(banner, flush=True)


def main() -> None:
    """`solara run APP` with this command's options, behind the gate when SIM_VIZ_TOKEN is
    set, printing SIM_VIZ_BANNER once the page serves."""
    # Solara warns on every page load over plain http from an address other than `localhost`
    # that a cookie falls back to SameSite=lax; that matters only when embedding the page in
    # an iframe, which the class demo never is
    warnings.filterwarnings("ignore", "Cookies with samesite=none require https", UserWarning)
    app_name = os.environ.get(APP_ENV, PAGES[0])
    if app_name not in PAGES:
        print(f"{APP_ENV}: got {app_name!r}; must be one of {', '.join(PAGES)}", file=sys.stderr)
        raise SystemExit(2)
    token = os.environ.get(TOKEN_ENV)
    if token:
        # `solara run` sets this too, but only after Solara's server module, imported here to
        # add the gate, has read it
        os.environ["SOLARA_APP"] = app_name
        from solara.server.starlette import app  # the app `solara run` serves

        app.add_middleware(TokenGate, token=token, code=os.environ.get(CODE_ENV, ""))
    if app_name == "sim.viz.pair_app":
        from .helper import HELPER

        HELPER.start()  # with the server, so that it is ready when a browser opens the page
    banner, probe = os.environ.get("SIM_VIZ_BANNER"), os.environ.get("SIM_VIZ_PROBE")
    if banner and probe:
        threading.Thread(target=announce, args=(banner, probe), daemon=True).start()
    # the pages send JPEG frames, which deflate cannot shrink: compressing them cost the server
    # a sixth of each step (`solara run` has no option for it)
    import uvicorn

    uvicorn.Config.__init__ = functools.partialmethod(
        uvicorn.Config.__init__, ws_per_message_deflate=False
    )
    from solara.__main__ import cli

    cli(["run", app_name, *sys.argv[1:]], prog_name="solara")


if __name__ == "__main__":
    main()
