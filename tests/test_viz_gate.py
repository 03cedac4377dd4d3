"""The class demo's server: which page each `viz` mode serves, the join code of the
participatory class beyond loopback, and the address printed only once the page serves."""

from __future__ import annotations

import http.server
import io
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import redirect_stdout
from pathlib import Path

from support import ROOT, headless_chromium, start, stop

from sim.viz.serve import announce


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answer(url: str, cookie: str = "") -> tuple[int, str, str]:
    """(status, body, its set-cookie headers) of a GET of `url`."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read().decode(errors="replace")
            return response.status, body, "; ".join(response.headers.get_all("set-cookie") or [])
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode(errors="replace"), ""


def start_class(port: int, log: Path, host: str = "0.0.0.0") -> subprocess.Popen:
    """`viz --class` on `host`, once its banner says it serves."""
    command = [sys.executable, "run.py", "viz", "--class", "--host", host, "--port", str(port)]
    return start(command, log, lambda out: "students join at" in out)


def test_the_banner_waits_until_the_page_answers():
    port = free_port()
    out = io.StringIO()
    with redirect_stdout(out):
        waiting = threading.Thread(target=announce, args=("ready", f"http://127.0.0.1:{port}/", 30))
        waiting.start()
        time.sleep(1.0)
        assert out.getvalue() == ""  # nothing listens yet: not printed
        server = http.server.HTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler)
        serving = threading.Thread(target=server.serve_forever, daemon=True)
        serving.start()
        waiting.join(timeout=20)
        server.shutdown()
    assert out.getvalue() == "ready\n"


def test_a_class_beyond_loopback_admits_the_code_and_the_teacher_only(tmp_path):
    port = free_port()
    server = start_class(port, tmp_path / "log")
    try:
        log = (tmp_path / "log").read_text()
        code = re.search(r"with the join code ([A-Z0-9]{6})\b", log)[1]
        token = re.search(r"\?token=([\w-]+)", log)[1]
        assert f"students join at: http://{socket.gethostname()}:{port}/join" in log
        base = f"http://127.0.0.1:{port}"
        # without the code: refused, with a form to type it in (and nothing else served)
        status, body, _ = answer(f"{base}/join")
        assert status == 403 and 'name="code"' in body and "not this class" not in body
        status, body, _ = answer(f"{base}/join?code=WRONG1")
        assert status == 403 and "not this class" in body
        assert answer(f"{base}/static/main-vuetify.js")[0] == 403
        # the code, typed in lower case with a space, lets a student in and sets a cookie
        status, _, cookie = answer(f"{base}/join?code={code[:3].lower()}+{code[3:].lower()}")
        assert status == 200 and f"sim_viz_code={code};" in cookie
        assert answer(f"{base}/join", cookie=f"sim_viz_code={code}")[0] == 200
        assert answer(f"{base}/", cookie="sim_viz_code=ABCDEF")[0] == 403
        # the teacher's address
        status, _, cookie = answer(f"{base}/?token={token}")
        assert status == 200 and f"sim_viz_token={token};" in cookie
    finally:
        stop(server)
    assert "Traceback" not in (tmp_path / "log").read_text()


def test_a_class_on_loopback_needs_no_code(tmp_path):
    port = free_port()
    server = start_class(port, tmp_path / "log", host="127.0.0.1")
    try:
        assert answer(f"http://127.0.0.1:{port}/join")[0] == 200
        assert answer(f"http://127.0.0.1:{port}/")[0] == 200
    finally:
        stop(server)
    log = (tmp_path / "log").read_text()
    assert "this computer only" in log and "token" not in log


def test_viz_modes_are_exclusive_and_a_bad_page_is_refused():
    done = subprocess.run(
        [sys.executable, "run.py", "viz", "--class", "--side-by-side"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "not allowed with argument" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "sim.viz.serve"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"SIM_VIZ_APP": "os", "PATH": "/usr/bin"},
    )
    assert done.returncode == 2 and "must be one of sim.viz.app" in done.stderr


def test_a_student_types_the_code_in_a_browser_and_the_join_page_opens(tmp_path):
    port = free_port()
    with headless_chromium() as browser:  # skipped before the server starts without one
        server = start_class(port, tmp_path / "log")
        log = (tmp_path / "log").read_text()
        code = re.search(r"with the join code ([A-Z0-9]{6})\b", log)[1]
        try:
            outsider, student = browser.new_context(), browser.new_context()
            refused = outsider.new_page()
            refused.goto(f"http://127.0.0.1:{port}/join")
            refused.fill("input[name=code]", "ZZZZZZ")
            refused.click("button")
            refused.get_by_text("not this class's").wait_for(timeout=10_000)
            page = student.new_page()
            page.goto(f"http://127.0.0.1:{port}/join")
            page.fill("input[name=code]", code.lower())
            page.click("button")
            page.get_by_label("Your name").wait_for(timeout=120_000)  # Solara, websocket and all
            assert "Your name" not in refused.content()
        finally:
            stop(server)
