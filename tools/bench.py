"""The book's benchmark (`make bench`): measures what CONTRIBUTING.md's "Performance budgets"
promise and prints one table. It never fails on speed: it exits 0 unless something
breaks (a chapter raises, the build fails, the browser crashes).

Measured:
- per chapter: the time to execute its cells in a fresh kernel (a copy of chapters/ in a
  temporary folder, run from there as Jupyter Book and nbval do, OMP_NUM_THREADS=1), and
  each explorer's precompute time (lib.explorer's ``precompute_seconds``, collected in the
  same kernel);
- per chapter page of the built site (_build/html, served on 127.0.0.1): its weight, the
  bytes of every response of the page, and how long an explorer takes to show a new
  frame: from a control's change event to the second animation frame after the image has
  decoded the new frame, for every value of every control;
- per page (the intro and every chapter): Lighthouse's performance and accessibility
  scores, first and largest contentful paint, total blocking time and bytes sent, with
  its mobile preset on the site served compressed (tools/lighthouse.py; printed, never
  a failure);
- the clean build: `jupyter-book build` of a fresh copy of the tracked files (git
  ls-files), and that plus executing every chapter (what the 3-minute budget covers);
- `make test` phase by phase (the Makefile's TEST_PHASES), in another such copy that
  shares this .venv: each phase's wall and CPU time, and their sum (the 8-minute budget);
  for a phase that runs pytest, where its time goes: the test time of its longest files
  (pytest's JUnit report);
- the machine: its CPU's model and how fast one core multiplies float64 matrices
  (GFLOP/s), the arithmetic the chapters' training is made of, so that times measured on
  two machines can be compared.

Usage: .venv/bin/python -m tools.bench, from the repository's root (after `make book`;
`make bench` does both).
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

from tools import browser, lighthouse
from tools.book import ROOT, SITE, chapter_paths

BIN = pathlib.Path(sys.executable).parent

# CONTRIBUTING.md, "Performance budgets"
CHAPTER_SECONDS = 30
BUILD_SECONDS = 180
SWAP_MS = 50
PAGE_MB = 4
TEST_MINUTES = 8

# Run in the chapter's kernel before its cells: note every Explorer made, in order, and
# the kernel's CPU time so far. The names live on the lib.explorer module, not in the
# reader's namespace.
HOOK = """
def _bench_hook():
    import os
    import lib.explorer as module
    module._bench_cpu = sum(os.times()[:2])
    made = module.__dict__.setdefault("_bench_made", [])
    init = module.Explorer.__init__
    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)
    module.Explorer.__init__ = recording_init
_bench_hook()
del _bench_hook
"""

# Run after the cells: every Explorer made (the hook's list), plus any bound to a name or
# kept in Out that the hook could not see, and the CPU time the cells took in the kernel
# (user + system: unlike the wall time, hardly affected by other work on the machine),
# as JSON on stdout.
COLLECT = """
def _bench_collect():
    import json
    import os
    import lib.explorer as module
    seen = list(getattr(module, "_bench_made", []))
    ns = get_ipython().user_ns
    for value in [*ns.values(), *ns.get("Out", {}).values()]:
        if isinstance(value, module.Explorer) and all(value is not s for s in seen):
            seen.append(value)
    print(json.dumps({
        "cpu": sum(os.times()[:2]) - module._bench_cpu,
        "explorers": [{"alt": getattr(e, "_alt", repr(e)), "frames": e.frame_count,
                       "grid": "x".join(str(len(v)) for v in e.params.values()),
                       "seconds": e.precompute_seconds, "cached": e.from_cache}
                      for e in seen]}))
_bench_collect()
del _bench_collect
"""

# Run in the page: change one control and time until the new frame is on screen.
SWAP = """async ([uid, k, value]) => {
  const root = document.getElementById(uid);
  const el = root.querySelector('[data-param="' + k + '"]');
  const img = root.querySelector("img");
  const t0 = performance.now();
  el.value = String(value);
  el.dispatchEvent(new Event(el.tagName === "SELECT" ? "change" : "input", {bubbles: true}));
  await img.decode();
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  return [performance.now() - t0, img.getAttribute("data-frame")];
}"""

# an explorer's frames are in memory: loaded from the site's file, or inline
LOADED = """uid => {
  const state = document.getElementById(uid).getAttribute("data-frames");
  return state === null || state === "loaded";
}"""


# --- (a) execution and precompute ----------------------------------------------------------


def execute(copy: pathlib.Path) -> dict:
    """Run the notebook ``copy`` (in its own folder) in a fresh kernel; return the time
    of its cells, of the kernel's start, and its explorers' precompute times."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(copy, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                            record_timing=False,
                            resources={"metadata": {"path": str(copy.parent)}})
    cells = list(nb.cells)
    hook, collect = nbformat.v4.new_code_cell(HOOK), nbformat.v4.new_code_cell(COLLECT)
    nb.cells += [hook, collect]  # nbclient writes each cell back at its index
    start = time.perf_counter()
    with client.setup_kernel():
        kernel = time.perf_counter() - start
        client.execute_cell(hook, len(cells), store_history=False)
        start = time.perf_counter()
        for index, cell in enumerate(cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        client.execute_cell(collect, len(cells) + 1, store_history=False)
    text = "".join(o.get("text", "") for o in collect.outputs if o.output_type == "stream")
    collected = json.loads(text)
    return {"seconds": seconds, "kernel": kernel, "cpu": collected["cpu"],
            "explorers": collected["explorers"]}


def execute_all(scratch: pathlib.Path) -> dict:
    os.environ["OMP_NUM_THREADS"] = "1"  # the kernels inherit it
    folder = scratch / "chapters"
    shutil.copytree(ROOT / "chapters", folder,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    results = {}
    for path in chapter_paths():
        print(f"bench: executing chapters/{path.name} ...", flush=True)
        try:
            results[path.stem] = execute(folder / path.name)
        except Exception as exc:  # reported in the table; the run goes on
            results[path.stem] = {"error": f"{type(exc).__name__}: {str(exc)[-2000:]}"}
    return results


# --- (b) and (d): the built pages in Chromium ------------------------------------------------


def measure_page(chromium, base, path) -> dict:
    page = chromium.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    watch = browser.Watch(page, base)
    try:
        page.goto(base + path, wait_until="load")
        page.wait_for_function(browser.SCRIPTS_RUN)
        page.wait_for_load_state("networkidle")
        total = html = 0
        sizes = []
        for response in responses:
            if 300 <= response.status < 400:
                continue
            try:
                size = len(response.body())
            except Exception:  # an aborted request (off the site) has no body
                continue
            total += size
            sizes.append((size, response.url.split("?")[0].rsplit("/", 1)[-1]))
            if response.url == base + path:
                html = size
        swaps, wrong = [], 0
        uids = page.eval_on_selector_all('div[id^="explorer-"]', "els => els.map(e => e.id)")
        for uid in uids:
            page.locator(f"#{uid}").scroll_into_view_if_needed()
            # on the site an explorer's frames load once it is reached
            # (tools/sphinx_ext/lazy_explorers.py): swaps are timed once they are there
            page.wait_for_function(LOADED, arg=uid)
            data = page.evaluate(
                "uid => JSON.parse(document.getElementById(uid)"
                ".querySelector('script.lib-explorer-data').textContent).sizes", uid)
            positions = [0] * len(data)
            for k, size in enumerate(data):
                for value in [*range(1, size), *range(size - 2, -1, -1)]:
                    positions[k] = value
                    ms, frame = page.evaluate(SWAP, [uid, k, value])
                    index = 0
                    for n, i in zip(data, positions):
                        index = index * n + i
                    wrong += frame != str(index)
                    swaps.append(ms)
        later = 0
        for response in responses:
            if "/_explorer/" in response.url:
                with contextlib.suppress(Exception):
                    later += len(response.body())
        return {"bytes": total, "html": html, "responses": len(responses), "swaps": swaps,
                "frames_later": later,
                "largest": sorted(sizes, reverse=True)[:3],
                "explorers": len(uids), "wrong": wrong, "foreign": watch.not_local(),
                "errors": watch.errors}
    finally:
        page.close()


def measure_pages() -> dict:
    problems = browser.missing()
    if problems:
        return {"skipped": "; ".join(problems)}
    if not (SITE / "index.html").exists():
        return {"skipped": "_build/html is missing: run `make book` first"}
    from playwright.sync_api import sync_playwright

    results = {}
    with browser.serve(SITE) as base, browser.launch(sync_playwright) as chromium:
        for path in chapter_paths():
            page = f"chapters/{path.stem}.html"
            print(f"bench: loading {page} in Chromium ...", flush=True)
            if not (SITE / page).exists():
                results[path.stem] = {"error": f"{page} is not in _build/html"}
                continue
            results[path.stem] = measure_page(chromium, base, page)
    return results


def lighthouse_scores() -> dict:
    """Lighthouse's performance and accessibility of the intro and every chapter page
    (tools.lighthouse; installed with `npm ci` in tools/ on first use)."""
    problems = lighthouse.missing()
    if problems:
        return {"skipped": "; ".join(problems)}
    if not (SITE / "index.html").exists():
        return {"skipped": "_build/html is missing: run `make book` first"}
    try:
        lighthouse.install()
    except (OSError, subprocess.CalledProcessError) as exc:
        return {"skipped": f"`npm ci` in tools/ failed ({exc}): is the npm registry reachable?"}
    return lighthouse.measure()


# --- (c) the clean build ------------------------------------------------------------------------


def copy_tracked(copy: pathlib.Path) -> int:
    """Copy the files git tracks (as the work tree has them) into ``copy``, with their
    modification times; return how many."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    copied = 0
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the work tree is skipped
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
            copied += 1
    return copied


def clean_build(scratch: pathlib.Path) -> dict:
    copy = scratch / "book"
    copied = copy_tracked(copy)
    print(f"bench: clean build of {copied} tracked files ...", flush=True)
    start = time.perf_counter()
    run = subprocess.run([str(BIN / "jupyter-book"), "build", str(copy), "--builder", "html",
                          "-W", "-n", "--keep-going"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    result = {"seconds": seconds, "files": copied, "returncode": run.returncode}
    if run.returncode:
        result["error"] = (run.stdout + run.stderr)[-3000:]
    return result


# --- (d) make test, phase by phase ------------------------------------------------------


def test_phases(scratch: pathlib.Path) -> dict:
    """Each phase of `make test` (the Makefile's TEST_PHASES, in order) run by make in a
    copy of the tracked files that shares this .venv (a fresh clone with a warm
    environment): its wall time and the CPU time of everything it ran. Stops at the
    first phase that fails, as `make test` does."""
    listed = subprocess.run(["make", "-s", "--no-print-directory", "test-phases"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout.split()
    copy = scratch / "phases"
    copy_tracked(copy)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "MAKEFLAGS", "MAKELEVEL")}
    results = {}
    for phase in listed:
        print(f"bench: make {phase} (make test's phase) ...", flush=True)
        report = scratch / f"{phase}.xml"  # pytest's JUnit report, where the phase runs pytest
        addopts = f"{env.get('PYTEST_ADDOPTS', '')} --junitxml={report}".strip()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run = subprocess.run(["make", "--no-print-directory", phase], cwd=copy,
                             env=dict(env, PYTEST_ADDOPTS=addopts),
                             capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        results[phase] = {"seconds": time.perf_counter() - start,
                          "cpu": (after.ru_utime + after.ru_stime)
                          - (before.ru_utime + before.ru_stime)}
        if report.exists():
            results[phase]["files"] = file_times(report)
        if run.returncode:
            results[phase]["error"] = (run.stdout + run.stderr)[-3000:]
            break
    return results


def file_times(report: pathlib.Path) -> dict:
    """Seconds per test file (a notebook, or a module of tests/) in pytest's JUnit XML
    report: the sum of its tests' times (setup, call and teardown), whatever worker ran
    them. Where the time of a phase goes."""
    import xml.etree.ElementTree as ET

    times: dict = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        # "chapters.04_relu.ipynb"; "tests.test_x", or "tests.test_x.TestClass"
        folder, _, rest = case.get("classname", "").partition(".")
        name = f"{folder}/{rest if rest.endswith('.ipynb') else rest.split('.')[0] + '.py'}"
        times[name] = times.get(name, 0.0) + float(case.get("time", 0))
    return times


def phase_rows(phases: dict, top: int = 8) -> list[str]:
    rows = [f"{'make test, phase by phase':<54} {'wall':>10} {'CPU':>10}"]
    for phase, result in phases.items():
        mark = "  FAILED" if "error" in result else ""
        rows.append(f"  make {phase:<47} {result['seconds']:>8.1f} s {result['cpu']:>8.1f} s"
                    f"{mark}")
        files = result.get("files", {})
        if files:
            rows.append(f"    its files' test time, all workers: {sum(files.values()):.0f} s; "
                        f"the {min(top, len(files))} longest:")
            for name, seconds in sorted(files.items(), key=lambda kv: -kv[1])[:top]:
                rows.append(f"      {name:<48} {seconds:>8.1f} s")
    wall = sum(r["seconds"] for r in phases.values())
    cpu = sum(r["cpu"] for r in phases.values())
    complete = phases and not any("error" in r for r in phases.values())
    budget = f"budget {TEST_MINUTES} min on a warm .venv" if complete else "INCOMPLETE"
    rows.append(f"  {'sum':<52} {wall:>8.1f} s {cpu:>8.1f} s  ({wall / 60:.1f} min; {budget}"
                f"{', OVER' if complete and wall > TEST_MINUTES * 60 else ''})")
    return rows


# --- (e) coursework: what an instructor waits per submission ---------------------------------


def autograde_times(scratch: pathlib.Path) -> dict:
    """Per chapter: `nbgrader autograde` of one submission (the instructor's copy, every
    answer right) in a fresh course folder made by tools.coursework."""
    course = scratch / "course"
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    made = subprocess.run([sys.executable, "-m", "tools.coursework", "--root", str(course)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if made.returncode:
        return {"error": (made.stdout + made.stderr)[-2000:]}
    results = {}
    for path in chapter_paths():
        print(f"bench: autograding a submission of chapters/{path.name} ...", flush=True)
        shutil.copytree(course / "solution" / path.stem,
                        course / "submitted" / "bench" / path.stem)
        start = time.perf_counter()
        run = subprocess.run([str(BIN / "nbgrader"), "autograde", path.stem,
                              f"--CourseDirectory.root={course}"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        results[path.stem] = ({"seconds": time.perf_counter() - start} if not run.returncode
                              else {"error": run.stderr[-2000:]})
    return results


# --- (f) the machine: how fast its arithmetic is ---------------------------------------------

# Run in a fresh Python with one thread (OMP_NUM_THREADS=1), as the kernels run: the best
# of several float64 products of two 512 x 512 matrices (2 * 512**3 operations each).
GEMM = """
import time, torch
a = torch.randn(512, 512, dtype=torch.float64)
a @ a
best = float("inf")
for _ in range(15):
    start = time.perf_counter()
    a @ a
    best = min(best, time.perf_counter() - start)
print(2 * 512**3 / best / 1e9)
"""


def cpu_model() -> str:
    """The CPU's model name as Linux reports it (/proc/cpuinfo), else the platform's."""
    import platform

    with contextlib.suppress(OSError):
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    return platform.processor() or "unknown CPU"


def gemm_gflops() -> float:
    """float64 matrix products on one core, in GFLOP/s: the arithmetic the chapters'
    training is made of (their MLPs' layers are batched products of this kind), so the
    figure tells how a machine's chapter and `make test` times compare with another's.
    Measured in a fresh Python with one thread (OMP_NUM_THREADS=1), as the kernels run."""
    run = subprocess.run([sys.executable, "-c", GEMM], capture_output=True, text=True,
                         env=dict(os.environ, OMP_NUM_THREADS="1"), check=True)
    return float(run.stdout.split()[-1])


# --- the table -------------------------------------------------------------------------------


def verdict(value, budget):
    return "ok" if value <= budget else "OVER"


def table(execution, pages, build) -> list[str]:
    rows = []

    def row(what, measured="", budget="", mark=""):
        rows.append(f"{what:<54} {measured:>22} {budget:>8}  {mark}")

    def shorten(text, width=40):
        return text if len(text) <= width else text[:width - 3] + "..."

    all_swaps, seconds_all = [], 0.0
    row("what", "measured", "budget", "")
    row("-" * 54, "-" * 22, "-" * 8, "----")
    for path in chapter_paths():
        name = path.stem
        rows.append(f"chapters/{name}")
        ran = execution.get(name, {})
        if "error" in ran:
            row("  execute", "FAILED", f"{CHAPTER_SECONDS} s")
        else:
            seconds_all += ran["seconds"] + ran["kernel"]
            row("  execute (cells, fresh kernel), wall time", f"{ran['seconds']:.1f} s")
            # the budget is CPU time: a loaded machine stretches the wall time, hardly
            # the CPU time
            row("  CPU time of those cells in the kernel", f"{ran['cpu']:.1f} s",
                f"{CHAPTER_SECONDS} s", verdict(ran["cpu"], CHAPTER_SECONDS))
            row("  kernel start", f"{ran['kernel']:.1f} s")
            for ex in ran["explorers"]:
                cached = " (cache)" if ex["cached"] else ""
                row(f"  explorer {shorten(ex['alt'])!r}",
                    f"{ex['frames']} frames {ex['seconds']:.1f} s{cached}")
            if not ran["explorers"]:
                row("  explorers", "none")
        page = pages.get(name, {})
        if "skipped" in pages:
            row("  page weight, frame swaps", "skipped")
        elif "error" in page:
            row("  page", "MISSING")
        elif not page:
            row("  page weight, frame swaps", "FAILED")
        else:
            mb = page["bytes"] / 1e6
            row(f"  page weight ({page['responses']} responses, HTML {page['html'] / 1e6:.2f} "
                "MB)", f"{mb:.2f} MB", f"{PAGE_MB} MB", verdict(mb, PAGE_MB))
            if page.get("frames_later"):
                rows.append(f"    + explorer frames fetched when reached: "
                            f"{page['frames_later'] / 1e6:.2f} MB")
            rows.append("    largest: " + ", ".join(f"{shorten(n, 30)} {b / 1e6:.2f} MB"
                                                 for b, n in page["largest"]))
            swaps = page["swaps"]
            all_swaps += swaps
            if swaps:
                row(f"  frame swap, median / max ({len(swaps)} changes)",
                    f"{statistics.median(swaps):.1f} / {max(swaps):.1f} ms", f"{SWAP_MS} ms",
                    verdict(max(swaps), SWAP_MS))
            if page["wrong"]:
                row("  frame swaps showing the wrong frame", str(page["wrong"]), "0", "WRONG")
            if page["foreign"] or page["errors"]:
                row("  requests off the site / console errors",
                    f"{len(page['foreign'])} / {len(page['errors'])}", "0 / 0", "CHECK")
    rows.append("book")
    if "error" in build:
        row(f"  clean build ({build['files']} tracked files)", "FAILED")
    else:
        row(f"  clean build ({build['files']} tracked files, no execution)",
            f"{build['seconds']:.1f} s")
        total = seconds_all + build["seconds"]
        complete = all("error" not in execution.get(p.stem, {"error": 1}) for p in chapter_paths())
        row("  execute every chapter + clean build", f"{total:.1f} s", f"{BUILD_SECONDS} s",
            verdict(total, BUILD_SECONDS) if complete else "INCOMPLETE")
    if all_swaps:
        row(f"  frame swap, all chapters ({len(all_swaps)} changes)",
            f"{statistics.median(all_swaps):.1f} / {max(all_swaps):.1f} ms", f"{SWAP_MS} ms",
            verdict(max(all_swaps), SWAP_MS))
    return rows


def main() -> int:
    started = time.perf_counter()
    failures = []
    with tempfile.TemporaryDirectory(prefix="book-bench-") as scratch_dir:
        scratch = pathlib.Path(scratch_dir)
        execution = execute_all(scratch)
        failures += [f"chapters/{k}.ipynb: {v['error']}" for k, v in execution.items()
                     if "error" in v]
        try:
            pages = measure_pages()
        except Exception:
            pages = {}
            failures.append("Chromium: " + traceback.format_exc())
        failures += [f"chapters/{k}.html: {v['error']}" for k, v in pages.items()
                     if isinstance(v, dict) and "error" in v]
        scores = lighthouse_scores()
        failures += [f"Lighthouse {k}: {v['error']}" for k, v in scores.items()
                     if isinstance(v, dict) and "error" in v]
        build = clean_build(scratch)
        if "error" in build:
            failures.append(f"clean build (exit {build['returncode']}):\n{build['error']}")
        graded = autograde_times(scratch)
        failures += [f"autograde {k}: {v}" for k, v in graded.items()
                     if k == "error" or "error" in v]
        phases = test_phases(scratch)
        failures += [f"make {k}:\n{v['error']}" for k, v in phases.items() if "error" in v]
    gflops = gemm_gflops()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print()
    print(f"Benchmark of the book ({cpus} CPUs, OMP_NUM_THREADS=1; budgets from CONTRIBUTING.md, "
          "'Performance budgets'; it never fails on speed)")
    print(f"Machine: {cpu_model()}; one core multiplies float64 matrices at {gflops:.1f} "
          "GFLOP/s (512 x 512, the best of 15): the chapters' training is mostly this "
          "arithmetic, so compare times from two machines by this figure")
    print()
    print("\n".join(table(execution, pages, build)))
    print()
    print("execute: the chapter's cells in a fresh kernel, from a copy of chapters/.\n"
          "explorer: precompute time of its frames (cache: reused, first call's time).\n"
          "page weight: bytes of every response of the page, uncompressed (as a plain static "
          "server sends them).\n"
          "frame swap: control change -> new frame decoded and painted (second animation "
          "frame), for every value of every control.")
    if "skipped" in pages:
        print(f"Chromium measurements skipped: {pages['skipped']}")
    print()
    if "skipped" in scores:
        print(f"Lighthouse skipped: {scores['skipped']}")
    else:
        print("Lighthouse (mobile preset, simulated slow 4G and CPU; the site served "
              "gzip-compressed as GitHub Pages serves it; no budget: the issue's aim is a "
              "performance of at least 0.9; lower on a busy machine):")
        print("\n".join("  " + row for row in lighthouse.rows(scores)))
    print()
    print("autograde (make coursework, then `nbgrader autograde` of one submission with "
          "every answer right; no budget):")
    for stem, result in graded.items():
        if isinstance(result, dict) and "seconds" in result:
            print(f"  {stem:<40} {result['seconds']:6.1f} s")
    print()
    print("\n".join(phase_rows(phases)))
    print("(a copy of the tracked files sharing this .venv; CPU: every process the phase ran)")
    print(f"bench took {time.perf_counter() - started:.0f} s")
    for failure in failures:
        print(f"\nbench: FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
