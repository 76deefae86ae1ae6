"""Lighthouse's performance and accessibility scores of the built site's pages.

Lighthouse is pinned through npm in tools/package.json and tools/package-lock.json
(`npm ci` in tools/ installs it into tools/node_modules, which git and the book's build
ignore); it drives Debian's Chromium (``CHROME_PATH``) headless. The site is served from
_build/html gzip-compressed, as GitHub Pages serves it (tools.gzip_server), and measured
with Lighthouse's default settings: the mobile form factor and simulated throttling (a
slow 4G network and a 4x slower CPU). Scores drop when the machine is busy: run it with
nothing else heavy running.

Used by `make bench` (tools.bench), never by `make test`. Also a command::

    .venv/bin/python -m tools.lighthouse [--site DIR] [--json FILE] [PAGE ...]

(PAGEs relative to the site, e.g. chapters/04_relu.html; default: the intro and every
chapter page). Importing this module runs nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

from tools import browser, gzip_server
from tools.book import ROOT, SITE, chapter_paths

TOOLS = ROOT / "tools"
LIGHTHOUSE = TOOLS / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility")
#: the headless flags of Lighthouse's developer guide, and tools.browser's quiet ones
CHROME_FLAGS = ["--headless=new", *browser.LAUNCH_ARGS]
#: Lighthouse's audits in the table: (audit id, column, unit of its numericValue)
METRICS = (("first-contentful-paint", "FCP", "ms"), ("largest-contentful-paint", "LCP", "ms"),
           ("total-blocking-time", "TBT", "ms"), ("cumulative-layout-shift", "CLS", ""),
           ("total-byte-weight", "bytes", "B"))


def default_pages() -> list[str]:
    """The intro and every chapter page, relative to the site."""
    return ["intro.html"] + [f"chapters/{p.stem}.html" for p in chapter_paths()]


def missing() -> list[str]:
    """What Lighthouse needs and is not there (empty when all is)."""
    problems = []
    if not os.path.exists(browser.CHROMIUM):
        problems.append(f"{browser.CHROMIUM} is missing (apt-get install chromium)")
    if not LIGHTHOUSE.exists() and shutil.which("npm") is None:
        problems.append("npm is missing (it installs Lighthouse from tools/package-lock.json)")
    return problems


def install() -> None:
    """`npm ci` in tools/ when Lighthouse is not installed there yet."""
    if LIGHTHOUSE.exists():
        return
    print("lighthouse: npm ci in tools/ (Lighthouse, as tools/package-lock.json pins it) ...",
          flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=TOOLS,
                   check=True)


def run(url: str) -> dict:
    """One Lighthouse run of ``url``: its JSON report (a dict)."""
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as scratch:
        out = pathlib.Path(scratch) / "report.json"
        env = dict(os.environ, CHROME_PATH=browser.CHROMIUM)
        done = subprocess.run(
            [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
             f"--only-categories={','.join(CATEGORIES)}",
             f"--chrome-flags={' '.join(CHROME_FLAGS)}"],
            env=env, capture_output=True, text=True)
        if done.returncode or not out.exists():
            raise RuntimeError(f"lighthouse {url} exited {done.returncode}: "
                               f"{(done.stdout + done.stderr)[-2000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def summary(report: dict) -> dict:
    """The scores, the metrics of :data:`METRICS` and what blocks the first render."""
    audits = report["audits"]
    out = {c: report["categories"][c]["score"] for c in CATEGORIES}
    for audit, column, _ in METRICS:
        out[column] = audits.get(audit, {}).get("numericValue")
    blocking = audits.get("render-blocking-resources", {}).get("details", {}) or {}
    out["blocking"] = [(item["url"].rsplit("/", 1)[-1], item.get("wastedMs", 0))
                       for item in blocking.get("items", [])]
    failed = [a for a in report["categories"]["accessibility"]["auditRefs"]
              if a.get("weight") and audits[a["id"]].get("score") not in (None, 1)]
    out["a11y_failed"] = [a["id"] for a in failed]
    if report.get("runtimeError"):
        out["error"] = report["runtimeError"].get("message", "runtime error")
    return out


def measure(pages=None, site=SITE) -> dict:
    """{page: summary} for ``pages`` (default: :func:`default_pages`) of ``site``."""
    pages = list(pages or default_pages())
    install()
    results = {}
    with gzip_server.serve(site) as base:
        for page in pages:
            print(f"lighthouse: {page} ...", flush=True)
            if not (pathlib.Path(site) / page).exists():
                results[page] = {"error": f"{page} is not in {site}"}
                continue
            try:
                results[page] = summary(run(base + page))
            except (RuntimeError, KeyError, json.JSONDecodeError) as exc:
                results[page] = {"error": str(exc)}
    return results


def rows(results: dict) -> list[str]:
    """The table: one row per page (scores 0-1, times in s, bytes in MB as sent)."""
    out = [f"{'page':<44} {'perf':>5} {'a11y':>5} {'FCP':>6} {'LCP':>6} {'TBT':>7} "
           f"{'CLS':>5} {'MB':>6}"]
    for page, r in results.items():
        if "error" in r and r.get("performance") is None:
            out.append(f"{page:<44} FAILED: {r['error'][:200]}")
            continue
        out.append(f"{page:<44} {r['performance']:>5.2f} {r['accessibility']:>5.2f} "
                   f"{r['FCP'] / 1000:>5.1f}s {r['LCP'] / 1000:>5.1f}s {r['TBT']:>5.0f}ms "
                   f"{r['CLS']:>5.3f} {r['bytes'] / 1e6:>6.2f}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", help="pages relative to the site (default: the "
                        "intro and every chapter)")
    parser.add_argument("--site", type=pathlib.Path, default=SITE,
                        help="the built site (default: _build/html)")
    parser.add_argument("--json", type=pathlib.Path, help="also write the results here")
    args = parser.parse_args(argv)
    problems = missing()
    if problems:
        print("lighthouse: skipped: " + "; ".join(problems), file=sys.stderr)
        return 1
    results = measure(args.pages, args.site)
    print("\n".join(rows(results)))
    for page, r in results.items():
        if r.get("blocking"):
            print(f"  {page}: render-blocking: "
                  + ", ".join(f"{n} ({ms:.0f} ms)" for n, ms in r["blocking"]))
        if r.get("a11y_failed"):
            print(f"  {page}: accessibility audits failed: {', '.join(r['a11y_failed'])}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
