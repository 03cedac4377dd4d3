"""The class demo's server: Solara's own (`solara run`), behind a token when `run.py viz`
listens beyond this computer.

`python -m sim.viz.serve ...` is `solara run sim.viz.app ...`, with its options. With SIM_VIZ_TOKEN
set, only requests that carry the token get through: the address with `?token=...`, after
which the browser keeps it in a cookie for the page's files and its websocket.
"""

from __future__ import annotations

import hmac
import os
import sys
import warnings
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

APP = "sim.viz.app"
TOKEN_ENV = "SIM_VIZ_TOKEN"
COOKIE = "sim_viz_token"
REFUSED = (
    b"403 Forbidden: this class demo needs its full address, with ?token=..., as "
    b"`run.py viz` printed it.\n"
)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class TokenGate:
    """ASGI middleware: a request without the token (in `?token=` or the cookie) gets 403, a
    websocket without it is closed; the first request with `?token=` sets the cookie."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], token: str):
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        in_query = self._is_token(query.get("token", [""])[0])
        if in_query and scope["type"] == "http":
            await self.app(scope, receive, self._setting_cookie(send))
        elif in_query or self._is_token(_cookie(scope)):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: a 403
        else:
            headers = [(b"content-type", b"text/plain; charset=utf-8")]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": REFUSED})

    def _is_token(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.token.encode())

    def _setting_cookie(self, send: Send) -> Send:
        cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode()

        async def sending(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        return sending


def _cookie(scope: Scope) -> str:
    """The token cookie of a request ('' when it has none)."""
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            found = SimpleCookie(value.decode("latin-1")).get(COOKIE)
            if found:
                return found.value
    return ""


def main() -> None:
    """`solara run sim.viz.app` with this command's options, behind the token when
    SIM_VIZ_TOKEN is set."""
    # Solara warns on every page load over plain http from an address other than `localhost`
    # that a cookie falls back to SameSite=lax; that matters only when embedding the page in
    # an iframe, which the class demo never is
    warnings.filterwarnings("ignore", "Cookies with samesite=none require https", UserWarning)
    token = os.environ.get(TOKEN_ENV)
    if token:
        # `solara run` sets this too, but only after Solara's server module, imported here to
        # add the gate, has read it
        os.environ["SOLARA_APP"] = APP
        from solara.server.starlette import app  # the app `solara run` serves

        app.add_middleware(TokenGate, token=token)
    from solara.__main__ import cli

    cli(["run", APP, *sys.argv[1:]], prog_name="solara")


if __name__ == "__main__":
    main()
