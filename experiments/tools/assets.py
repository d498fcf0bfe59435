"""Install the front-end packages the browser page needs, so that it works with no internet.

Solara's page loads its JavaScript and CSS from a public CDN by default. Its server first looks
in a local cache, ``<sys.prefix>/share/solara/cdn/<package>@<version>/`` (the unpacked npm
package), and serves from there. This script fills that cache from the npm registry with
``npm pack <package>@<version>`` for the exact versions below, once: a package whose folder is
complete is skipped, so ``make setup`` may run it every time.

``python -m experiments.tools.assets [--prefix DIR] [--check]``; ``--check`` only reports what is
missing (exit 1 if anything is). ``--prefix`` defaults to this Python's ``sys.prefix`` (the
project's ``.venv``).

The versions are the ones solara 1.64.1 asks for (``tests/test_viz.py`` checks that the installed
solara still asks for them). After a solara upgrade, read the server log for a
``Could not load URL`` line and add or bump the package here.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# (folder under share/solara/cdn, npm package spec). The folder is the name the page asks for;
# the spec pins what is installed there.
ASSETS: list[tuple[str, str]] = [
    ("@widgetti/solara-vuetify-app@10.1.1", "@widgetti/solara-vuetify-app@10.1.1"),
    ("@widgetti/solara-vuetify3-app@5.2.0", "@widgetti/solara-vuetify3-app@5.2.0"),
    ("requirejs@2.3.6", "requirejs@2.3.6"),
    ("font-awesome@4.5.0", "font-awesome@4.5.0"),
    ("@widgetti/vue-grid-layout@2.3.13-alpha.2", "@widgetti/vue-grid-layout@2.3.13-alpha.2"),
]
MARKER = ".tiersim-complete"  # written last: a folder without it is re-installed


def cdn_dir(prefix: str | Path | None = None) -> Path:
    """The folder Solara's asset proxy reads (``solara.server.settings.assets.proxy_cache_dir``)."""
    return Path(prefix if prefix is not None else sys.prefix) / "share" / "solara" / "cdn"


def missing(prefix: str | Path | None = None) -> list[str]:
    root = cdn_dir(prefix)
    return [folder for folder, _ in ASSETS if not (root / folder / MARKER).is_file()]


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "experiments.tools.assets: npm was not found on PATH. The browser page (tiersim-viz) needs "
            "front-end packages from the npm registry; install Node.js and npm (Debian: "
            "`apt-get install -y npm`) and run `make setup` again.")
    return npm


def install_one(folder: str, spec: str, root: Path, npm: str) -> None:
    dest = root / folder
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tiersim-npm-") as tmp:
        res = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                             capture_output=True, text=True, cwd=tmp)
        if res.returncode != 0:
            raise SystemExit(f"experiments.tools.assets: `npm pack {spec}` failed "
                             f"(exit {res.returncode}):\n{res.stderr.strip()}")
        tarballs = list(Path(tmp).glob("*.tgz"))
        if len(tarballs) != 1:
            raise SystemExit(f"experiments.tools.assets: `npm pack {spec}` left {len(tarballs)} "
                             f"tarballs in {tmp}")
        unpack = Path(tmp) / "unpacked"
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(unpack, filter="data")
        package = unpack / "package"
        if not package.is_dir():  # a few old packages use another top folder
            (package,) = [p for p in unpack.iterdir() if p.is_dir()]
        (package / MARKER).write_text(spec + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(package), str(dest))


def install(prefix: str | Path | None = None, quiet: bool = False) -> list[str]:
    """Install every missing package; return the folders installed."""
    root = cdn_dir(prefix)
    todo = [(f, s) for f, s in ASSETS if f in set(missing(prefix))]
    if not todo:
        if not quiet:
            print(f"front-end assets: all {len(ASSETS)} present in {root}")
        return []
    npm = _npm()
    for folder, spec in todo:
        print(f"front-end assets: npm pack {spec} -> {root / folder}", flush=True)
        install_one(folder, spec, root, npm)
    return [f for f, _ in todo]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prefix", default=None, help="install under DIR/share/solara/cdn "
                                                   "(default: sys.prefix)")
    ap.add_argument("--check", action="store_true", help="only report missing packages")
    args = ap.parse_args(argv)
    if args.check:
        gone = missing(args.prefix)
        for folder in gone:
            print(f"missing: {cdn_dir(args.prefix) / folder}")
        return 1 if gone else 0
    install(args.prefix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
