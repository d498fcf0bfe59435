"""``tiersim-viz``: serve the page with ``solara run`` in this process and print its address."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import threading
import time
import warnings

from experiments.cli import ROOT


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _announce_when_up(host: str, port: int, timeout: float = 300.0) -> None:
    """Print the page's address once the server accepts connections."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                print(f"tiersim-viz: the page is at http://{host}:{port}/ (Ctrl+C stops it)",
                      flush=True)
                return
        except OSError:
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    """Serve the page with ``solara run`` in this process (the page's module is imported once)."""
    ap = argparse.ArgumentParser(prog="tiersim-viz", description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = a free one)")
    ap.add_argument("--open", action="store_true", help="also open the page in a browser")
    args = ap.parse_args(argv)
    from solara.__main__ import cli
    from solara.server import settings

    from experiments.tools import assets

    if assets.missing():
        print("tiersim-viz: front-end assets are missing; installing them (npm) ...",
              file=sys.stderr)
        assets.install()
    settings.telemetry.mixpanel_enable = False  # no calls out
    settings.theme.show_banner = False  # Solara's corner badge covered the charts' x axes
    # Solara warns on every page load over plain http at an address other than "localhost"
    # (127.0.0.1 included) that it cannot set a samesite=none session cookie and sets a
    # samesite=lax one instead: the right cookie for a page that is not inside an iframe.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https",
                            category=UserWarning)
    port = args.port or _free_port(args.host)
    threading.Thread(target=_announce_when_up, args=(args.host, port), daemon=True).start()
    os.chdir(ROOT)
    with contextlib.suppress(KeyboardInterrupt):
        cli.main(["run", "experiments.viz.page", "--host", args.host, "--port", str(port),
                  "--production", "--open" if args.open else "--no-open", "--no-check-version",
                  "--log-level", "warning"], prog_name="tiersim-viz", standalone_mode=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
