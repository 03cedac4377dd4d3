"""The class pages' Step as a class sees it: in headless Chromium, the time from pressing Step
to the new network picture shown, at the class size (scenarios/classroom.yaml), on the solo
page (sim.viz.app) and on the side-by-side page (sim.viz.pair_app, two ecosystems a step).

    python benchmarks/viz_step.py                    # 30 presses on each page
    python benchmarks/viz_step.py --clicks 60 --pages sim.viz.pair_app
    python benchmarks/viz_step.py --pages sim.viz.pair_app --helper both   # with and without
    python benchmarks/viz_step.py --no-browser       # the server's part only

Each page is served as `run.py viz` serves it (`python -m sim.viz.serve`, this interpreter:
run the script with another venv's python to time its Mesa), at the projector's 1280x800.
Step is pressed in the page and timed there, to the next animation frame with the new
picture decoded: Solara's round trip, the server's step and drawing, the browser's decoding.
The first presses are not counted (they build the figures). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("sim.viz.app", "sim.viz.pair_app")
# pressed in the page and timed there: Playwright's own click adds tens of milliseconds. The
# network pictures are every image but the last (the charts)
STEP = """async () => {
    const button = [...document.querySelectorAll("button")]
        .find(b => b.textContent.trim() === "Step");
    const shown = () => [...document.images].filter(i => i.complete && i.naturalWidth > 0);
    const old = new Set(shown().map(i => i.src));
    const start = performance.now();
    button.click();
    let network = null;
    return await new Promise(resolve => {
        const check = () => {
            const now = shown();
            const fresh = now.map(i => !old.has(i.src));
            if (network === null && now.length > 1 && fresh.slice(0, -1).every(f => f))
                network = performance.now() - start;
            if (network !== null && fresh.every(f => f))
                resolve([network, performance.now() - start]);
            else requestAnimationFrame(check);
        };
        check();
    });
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(app: str, clicks: int, warmup: int, helper: str = "on") -> list[tuple[float, float]]:
    """(network shown, every picture shown) in seconds for each counted press of Step; the
    side-by-side page's second run stepped by its helper process or (`helper` "off") not."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    command = [sys.executable, "-m", "sim.viz.serve", "--production", "--no-open"]
    command += ["--no-check-version", "--port", str(port)]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "SIM_VIZ_APP": app, "SIM_VIZ_HELPER": helper},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            for _ in range(240):  # the server takes a few seconds to start
                try:
                    page.goto(f"http://127.0.0.1:{port}/")
                    break
                except Exception:  # not listening yet
                    time.sleep(0.5)
            page.get_by_text("Month 0 of", exact=False).wait_for(timeout=120_000)
            page.wait_for_function("[...document.images].filter(i => i.naturalWidth).length > 1")
            times = [page.evaluate(STEP) for _ in range(warmup + clicks)][warmup:]
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    return [(network / 1000, every / 1000) for network, every in times]


def drawn(months: int = 60) -> dict[str, list[float]]:
    """CPU seconds (this process's, so that other work on the machine counts little) of
    what a Step costs the server, per page, over the first `months`: the model's month(s)
    with the layout, then the pictures the page shows (drawn and encoded). Both runs of the
    pair step here: the page has its helper process do the second run's month and picture
    beside the first's."""
    os.environ["SIM_VIZ_HELPER"] = "off"
    sys.path.insert(0, str(ROOT))
    from sim.viz.app import CHART, WIDTH
    from sim.viz.charts import ChartsPicture
    from sim.viz.classroom import ClassroomModel
    from sim.viz.drawing import NetworkPicture, jpeg
    from sim.viz.pair import PAIR_CHARTS, PairModel
    from sim.viz.pair_app import HALF

    solo, pair = ClassroomModel(), PairModel()
    network = NetworkPicture(WIDTH, solo.layout.aspect, "marks")
    halves = [NetworkPicture(HALF, run.layout.aspect, "none") for run in pair.runs]
    charts = ChartsPicture(solo.params.steps, 4, CHART)
    overlaid = ChartsPicture(pair.params.steps, 4, CHART, pair.labels, PAIR_CHARTS)
    parts = ("solo: step", "solo: pictures", "pair: step", "pair: pictures")
    out: dict[str, list[float]] = {part: [] for part in parts}
    for _ in range(months):
        start = time.process_time()
        solo.step()
        stepped = time.process_time()
        jpeg(network.image(solo.state, solo.layout.pos, "t"))
        jpeg(charts.image(solo.series))
        shown = time.process_time()
        pair.step()
        paired = time.process_time()
        for picture, run in zip(halves, pair.runs, strict=True):
            jpeg(picture.image(run.state, run.layout.pos, "t"))
        jpeg(overlaid.image(*(run.series for run in pair.runs)))
        done = time.process_time()
        parts = (stepped - start, shown - stepped, paired - shown, done - paired)
        for key, value in zip(out, parts, strict=True):
            out[key].append(value)
    return out


def row(name: str, seconds: list[float]) -> str:
    ms = sorted(1000 * s for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (
        f"| {name} | {statistics.median(ms):.0f} | {statistics.mean(ms):.0f} | {p95:.0f} | "
        f"{ms[-1]:.0f} | {sum(m > 150 for m in ms)} |"
    )


def browser(args: argparse.Namespace) -> None:
    """Print the table of Step in Chromium, page by page."""
    print("| page: Step pressed to ... shown | median (ms) | mean | p95 | max | over 150 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    helpers = ("on", "off") if args.helper == "both" else (args.helper,)
    for app in args.pages:
        for helper in helpers if app == "sim.viz.pair_app" else ("on",):
            name = app if app != "sim.viz.pair_app" else f"{app} (helper {helper})"
            times = timed(app, args.clicks, args.warmup, helper)
            print(row(f"{name}: the network", [network for network, _ in times]))
            print(row(f"{name}: every picture", [every for _, every in times]), flush=True)
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=30, help="presses of Step counted")
    parser.add_argument("--warmup", type=int, default=3, help="presses first, not counted")
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES))
    parser.add_argument(
        "--helper",
        choices=("on", "off", "both"),
        default="on",
        help="the side-by-side page with its helper process, without, or both in turn",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="time the server's part only (no Chromium)"
    )
    args = parser.parse_args()
    if not args.no_browser and shutil.which("chromium") is None:
        print("viz_step: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    import mesa

    print(f"Python {sys.version.split()[0]}, Mesa {mesa.__version__}, {args.clicks} presses")
    print()
    if not args.no_browser:
        browser(args)
    print("The server's CPU time per Step (first 60 months, in this process):")
    print()
    print("| part | median (ms) | mean | p95 | max | over 150 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, seconds in drawn().items():
        print(row(name, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
