"""The policy report: `compare` and `report` end to end, the page's numbers against the CSV
files, its sections for comparison and grid sweeps, and the page in a real browser."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml
from support import headless_chromium

from sim.analysis.report_html import num, signed
from sim.model.metrics import HEADLINE

ROOT = Path(__file__).resolve().parent.parent
SMALL = "scenarios/small.yaml"
STRONG = "scenarios/small_strong_ip.yaml"
COMPARE = ("compare", SMALL, STRONG, "--replications", "4", "--steps", "12", "--quiet")
COMPARISON_SECTIONS = (
    "findings",
    "compared",
    "headline",
    "over-time",
    "across-replications",
    "how-to-read",
    "details",
)


def command(*args: str, check: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "run.py", *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert done.returncode == check, done.stderr
    return done


class Page(HTMLParser):
    """Collects section ids, image sources, links and the numbers marked with data-value."""

    def __init__(self, text: str):
        super().__init__()
        self.sections: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.numbers: list[dict] = []
        self._open: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a.get("id", ""))
        if tag == "img":
            self.images.append(a["src"])
        if tag in ("a", "link", "script"):
            self.links.append(a.get("href") or a.get("src") or "")
        if "data-value" in a:
            self._open = {**a, "text": ""}

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "span" and self._open is not None:
            self.numbers.append(self._open)
            self._open = None


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "out"
    done = command(*COMPARE, "--out", str(out))
    assert f"report: {out / 'report.html'}" in done.stdout
    return out


def test_compare_runs_paired_replications(compared):
    runs = pd.read_parquet(compared / "runs.parquet")
    assert sorted(set(runs["scenario"])) == ["small", "small_strong_ip"]
    assert runs["status"].eq("ok").all() and len(runs) == 8
    by_replicate = runs.groupby("replicate")["seed"].nunique()
    assert by_replicate.eq(1).all()  # the same seeds in both scenarios
    assert runs["seed"].nunique() == 4


def test_rerunning_compare_resumes_and_runs_nothing(compared):
    done = command(*COMPARE, "--out", str(compared))
    assert "ran 0 runs" in done.stdout


def test_comparison_report_has_every_section_and_is_self_contained(compared):
    text = (compared / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    for section in COMPARISON_SECTIONS:
        assert section in page.sections, section
    assert len(page.images) >= 2
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert not [link for link in page.links if link.startswith(("http", "//"))]
    assert "http://" not in text and "https://" not in text
    assert "@media print" in text


def test_report_numbers_equal_the_csv_files(compared):
    page = Page((compared / "report.html").read_text(encoding="utf-8"))
    agg = pd.read_csv(compared / "aggregate.csv").set_index(["scenario", "metric"])
    comp = pd.read_csv(compared / "comparison.csv").set_index(["scenario", "metric"])
    checked = {"aggregate": 0, "comparison": 0}
    for number in page.numbers:
        key = (number["data-scenario"], number["data-metric"])
        stat, value = number["data-stat"], float(number["data-value"])
        source = agg if stat in ("mean", "ci_low", "ci_high") else comp
        expected = source.loc[key, stat]
        assert math.isclose(value, expected, rel_tol=1e-12) or (
            math.isnan(value) and math.isnan(expected)
        ), (key, stat)
        if stat in ("mean", "ci_low", "ci_high", "effect_size"):
            assert number["text"] == num(expected)
        elif stat.startswith("diff"):
            assert number["text"] == signed(expected)
        checked["aggregate" if source is agg else "comparison"] += 1
    outcomes = len(HEADLINE)  # the default headline metrics
    assert checked["aggregate"] == 2 * 3 * outcomes
    assert checked["comparison"] == 5 * outcomes


def test_findings_are_plain_language_lines(compared):
    text = (compared / "report.html").read_text(encoding="utf-8")
    comp = pd.read_csv(compared / "comparison.csv").set_index("metric")
    patents = comp.loc["patents_granted"]
    assert patents["significant"]  # strong IP: many more patents, even with 4 replications
    line = (
        f"<b>small_strong_ip</b>: patents {100 * patents['rel_diff']:+.0f}% "
        f"(95% CI {100 * patents['rel_ci_low']:+.0f}% to {100 * patents['rel_ci_high']:+.0f}%)"
    )
    assert line in text


def test_what_was_compared_lists_parameter_differences(compared):
    text = (compared / "report.html").read_text(encoding="utf-8")
    compared_part = text[text.index("id='compared'") : text.index("id='headline'")]
    assert "<code>ip.regime</code></td><td>weak</td><td>strong</td>" in compared_part
    assert "<code>ip.ip_strength</code></td><td>0.3</td><td>0.85</td>" in compared_part
    assert "trust.initial" not in compared_part  # equal in both: not listed


def test_compare_with_a_missing_file_exits_2_with_one_line():
    done = command("compare", SMALL, "scenarios/no_such.yaml", check=2)
    assert done.stderr.strip() == "scenarios/no_such.yaml: no such file"


def test_report_command_rewrites_and_rejects_other_folders(compared, tmp_path):
    (compared / "report.html").unlink()
    done = command("report", str(compared))
    assert (compared / "report.html").is_file() and "wrote" in done.stdout
    bad = command("report", str(tmp_path), check=2)
    assert "not a sweep folder" in bad.stderr


def test_grid_and_sobol_reports_have_their_sections(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        yaml.safe_dump(
            {
                "name": "grid",
                "baseline": str(ROOT / SMALL),
                "parameters": {"trust.enforcement": [0.2, 0.8], "ip.ip_strength": [0.0, 0.9]},
                "replications": 2,
                "steps": 6,
                "outcomes": ["innovations", "mean_trust"],
            }
        )
    )
    command("sweep", str(grid), "--out", str(tmp_path / "g"), "--quiet")
    page = Page((tmp_path / "g" / "report.html").read_text(encoding="utf-8"))
    for section in ("compared", "headline", "heatmaps", "over-time", "how-to-read", "details"):
        assert section in page.sections, section
    assert "findings" not in page.sections and "sensitivity" not in page.sections

    sobol = tmp_path / "sobol.yaml"
    sobol.write_text(
        yaml.safe_dump(
            {
                "name": "sobol",
                "baseline": str(ROOT / SMALL),
                "parameters": {
                    "trust.enforcement": {"low": 0.2, "high": 0.8},
                    "population.startup.count": {"low": 20, "high": 100},
                },
                "design": {"kind": "sobol", "samples": 4},
                "replications": 1,
                "steps": 6,
                "outcomes": ["innovations"],
            }
        )
    )
    command("sweep", str(sobol), "--out", str(tmp_path / "s"), "--quiet")
    text = (tmp_path / "s" / "report.html").read_text(encoding="utf-8")
    assert "sensitivity" in Page(text).sections
    sens = pd.read_csv(tmp_path / "s" / "sensitivity.csv")
    first = sens.iloc[0]
    assert f"<td>{num(first['ST'])}</td>" in text


def test_report_opens_in_headless_chromium_without_broken_images(compared):
    shot = compared / "report.png"
    with headless_chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        failed: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto((compared / "report.html").as_uri())
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).length"
        )
        images = page.evaluate("document.images.length")
        title = page.title()
        page.screenshot(path=str(shot), full_page=True)
        pdf = page.pdf(path=str(compared / "report.pdf"))  # printing works
    assert images >= 2 and broken == 0 and not failed
    assert re.search(r"simulation report", title)
    assert shot.stat().st_size > 50_000 and len(pdf) > 10_000
