"""The class demo page's browser libraries, fetched once from the npm registry.

Solara's page loads its JavaScript and CSS through a proxy that downloads them from
cdn.jsdelivr.net on first use and keeps them in a cache folder. Where that CDN is blocked
(a school network, a machine that reaches only package registries) the page stays blank;
`ensure()` fills the same cache from the npm registry, which serves the same files.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import ipyvue
import solara
from solara.server import settings

REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
# a library at an exact version, as Solara's templates and widgets name it on the CDN
_PINNED = re.compile(
    r"(?:\{\{\s*cdn\s*\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.-]*)/"
)
_OTHER_APP = (
    "@widgetti/solara-vuetify-app"
    if ipyvue.__version__.startswith("3")
    else ("@widgetti/solara-vuetify3-app")
)  # the page uses one of the two Vuetify apps, by the ipyvue version


def libraries() -> set[tuple[str, str]]:
    """(npm package, version) of every library the page may load from the CDN."""
    root = Path(solara.__file__).parent
    found: set[tuple[str, str]] = set()
    for folder in ("server/templates", "widgets/vue", "components"):
        for path in (root / folder).glob("*.*"):
            if path.suffix in (".j2", ".vue", ".html"):
                found.update(_PINNED.findall(path.read_text(encoding="utf-8")))
    fontawesome = settings.assets.fontawesome_path.strip("/").split("/")[0]
    found.add(tuple(fontawesome.rsplit("@", 1)))
    return {(name, version) for name, version in found if name != _OTHER_APP}


def cache_folder() -> Path:
    """Where Solara's asset proxy keeps (and first looks for) CDN files."""
    return Path(settings.assets.proxy_cache_dir)


def ensure(cache: Path | None = None) -> list[str]:
    """Fetch the libraries missing from `cache`; the problems, one line each (none: all there)."""
    cache = cache or cache_folder()
    problems = []
    for name, version in sorted(libraries()):
        target = cache / f"{name}@{version}"
        if (target / "package.json").exists():
            continue
        try:
            _fetch(name, version, target)
        except (OSError, tarfile.TarError) as err:
            problems.append(f"could not fetch {name}@{version} from {REGISTRY}: {err}")
    return problems


def _fetch(name: str, version: str, target: Path) -> None:
    """Unpack the npm tarball of `name`@`version` into `target`, all or nothing."""
    url = f"{REGISTRY}/{name}/-/{name.split('/')[-1]}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=120) as response:
        data = response.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            archive.extractall(tmp, filter="data")
        if not target.exists():  # another server may have put it there meanwhile
            shutil.move(str(Path(tmp) / "package"), target)
