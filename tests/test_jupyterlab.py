"""The chapters as a student opens them in JupyterLab (marker `browser`).

JupyterLab from the book's environment, with the reader's settings that `make lab` uses
(tools/jupyter-reader: nbgrader's extensions off), on 127.0.0.1 with a free port,
serves copies of the chapters from a temporary folder, with temporary Jupyter config,
data and runtime folders (nothing of the user's setup leaks in). One server serves the
whole module: ``trusted/`` holds every chapter, trusted in that data folder so their
HTML outputs may run their JavaScript, and ``untrusted/`` holds the sigmoid chapter as a
fresh clone gives it. Chromium checks:

- a trusted chapter, opened and not yet run, shows no error in any cell (no "Error
  displaying widget: model not found"), and its playground shows its note;
- in an untrusted chapter, the explorers' controls are disabled with a line that says
  why; after "Trust Notebook" the line is gone and the controls work;
- the first explorer answers the keyboard (JupyterLab must not take the arrow keys: the
  controls carry data-lm-suppress-shortcuts) and swaps in the right frame;
- the Lab has no nbgrader menu or panel, and its log no error line.

Skipped with a message where Chromium or Playwright is missing, failed in CI.
Screenshots of what the student sees are left in the test's temporary folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import nbformat
import pytest

from tools import browser
from tools.book import CHAPTERS, ROOT, chapter_paths, read_notebook

NOTEBOOK = CHAPTERS / "03_sigmoid_vanishing_gradients.ipynb"
#: what `make lab` adds to Jupyter's config path (the Makefile's READER_CONFIG)
READER = ROOT / "tools" / "jupyter-reader"
START_TIMEOUT = 40  # seconds for JupyterLab to answer
TIMEOUT_MS = 60_000  # a guard against a hang, not a speed check (see test_browser)

pytestmark = pytest.mark.browser

# JupyterLab's settings for the test profile: every cell rendered (no virtual scrolling,
# so the output is in the page without scrolling to it), no news, no update check
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}
# and nothing that reaches PyPI or the news feed from the server
SERVER_CONFIG = {"LabApp": {"news_url": None, "extension_manager": "readonly",
                            "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
                 "ServerApp": {"terminals_enabled": False}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(tmp_path):
    """Environment with Jupyter's and IPython's folders in tmp_path, and the reader's
    settings of `make lab` on Jupyter's config path."""
    dirs = {name: tmp_path / name for name in ("config", "data", "runtime", "ipython")}
    for path in dirs.values():
        path.mkdir()
    for name, values in SETTINGS.items():
        path = dirs["config"] / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    (dirs["config"] / "jupyter_server_config.json").write_text(
        json.dumps(SERVER_CONFIG), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    env.update(JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(dirs["ipython"]),
               JUPYTERLAB_WORKSPACES_DIR=str(dirs["config"] / "workspaces"),
               JUPYTER_CONFIG_PATH=str(READER),
               OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    return env


def wait_until_up(proc, url, log):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "api/status", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT} s:\n{log.read_text()}")


def stop(proc):
    """Terminate the server (it shuts its kernels down); kill its process group if it
    does not stop in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab serving trusted copies of every chapter (``trusted/``) and an
    untrusted copy of the sigmoid chapter (``untrusted/``); yields (base URL, log path).
    One server for the module: starting JupyterLab is the slow part."""
    tmp_path = tmp_path_factory.mktemp("jupyterlab")
    root = tmp_path / "root"
    for folder in ("trusted", "untrusted"):
        (root / folder).mkdir(parents=True)
    env = isolated_env(tmp_path)
    trusted = [shutil.copyfile(path, root / "trusted" / path.name)
               for path in chapter_paths()]
    # trust goes by content: the untrusted copy must differ from the trusted one
    untrusted = read_notebook(NOTEBOOK)
    untrusted.metadata["test_copy"] = "untrusted"
    nbformat.write(untrusted, root / "untrusted" / NOTEBOOK.name)
    subprocess.run([sys.executable, "-m", "jupyter", "trust", *map(str, trusted)],
                   env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    log = tmp_path / "jupyterlab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
             "--IdentityProvider.token=", "--ServerApp.password=",
             "--ServerApp.disable_check_xsrf=True", "--ServerApp.open_browser=False",
             # CI runs as root, where JupyterLab refuses to start without this
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(proc, base, log)
        yield base, log
    finally:
        stop(proc)


@contextlib.contextmanager
def notebook_page(chromium, base, path, screenshot=None):
    """A Chromium page on JupyterLab with the notebook ``path`` open alone (``?reset``:
    no tab of an earlier test restored); yields (page, watch). Saves a screenshot on
    exit when asked."""
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.set_default_timeout(TIMEOUT_MS)
        watch = browser.Watch(page, base)  # anything not local is aborted
        page.goto(f"{base}lab/tree/{path}?reset")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible")
        yield page, watch
    finally:
        if screenshot:
            page.screenshot(path=str(screenshot))
        page.close()


def wait_for_idle_kernel(page):
    """Until the notebook's kernel is up and idle: only then has ipywidgets' manager
    looked for the widget models, and shown its error if it was going to."""
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll(".jp-StatusBar-Item"))
                      .some(el => /\\| Idle$/.test(el.innerText.trim()))""")


@pytest.fixture(scope="module")
def trusted_sigmoid(chromium, jupyterlab):
    """The trusted sigmoid chapter open in JupyterLab, once for the module: the
    no-error check reads it as opened, then the keyboard test moves its first explorer
    (a chapter load takes seconds; both tests want the same one). Yields (page, watch)."""
    base, _ = jupyterlab
    with notebook_page(chromium, base, f"trusted/{NOTEBOOK.name}") as opened:
        yield opened


SHOWN = """root => {
  const img = root.querySelector("img");
  return {frame: img.getAttribute("data-frame"), src: img.getAttribute("src"),
          alt: img.getAttribute("alt")};
}"""


#: what JupyterLab shows in a cell when something went wrong displaying an output
ERRORS = ("Error displaying widget", "model not found", "Traceback")


@pytest.mark.parametrize("path", chapter_paths(), ids=lambda p: p.stem)
def test_a_trusted_chapter_shows_no_error_before_it_runs(chromium, jupyterlab, tmp_path,
                                                         request, path):
    """A student opens a chapter as `make execute` stored it and trusts it (here: the
    copy is trusted already), before running anything: no cell shows an error, and a
    playground's cell shows its note (its widgets appear once the cell runs). The
    sigmoid chapter's page is the module's (trusted_sigmoid), kept open for the
    keyboard test below."""
    base, _ = jupyterlab
    with contextlib.ExitStack() as stack:
        if path == NOTEBOOK:
            page, watch = request.getfixturevalue("trusted_sigmoid")
        else:
            page, watch = stack.enter_context(
                notebook_page(chromium, base, f"trusted/{path.name}"))
        # on exit, before the page closes
        stack.callback(page.screenshot, path=str(tmp_path / f"{path.stem}.png"))
        outputs = page.locator(".jp-OutputArea-output")
        outputs.first.wait_for(state="attached")
        wait_for_idle_kernel(page)
        stored = sum("book-playground-note" in "".join(o.get("data", {}).get("text/html", ""))
                     for c in read_notebook(path).cells
                     for o in c.get("outputs", []))
        # every playground's output has settled, on its note or on the widget
        # manager's verdict (which comes after the kernel is up); every explorer's
        # script has run
        page.wait_for_function(
            """n => document.querySelectorAll('.book-playground-note').length === n ||
                    /Error displaying widget/.test(document.body.innerText)""", arg=stored)
        page.wait_for_function(
            """() => document.querySelectorAll('.lib-explorer-hint').length === 0""")
        texts = outputs.evaluate_all("els => els.map(e => e.innerText)")
        shown = [(i, word) for i, text in enumerate(texts) for word in ERRORS
                 if word in text]
        assert not shown, f"{path.name}: outputs show errors {shown}"
        assert page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter"
                            ".stderr']").count() == 0, f"{path.name}: stderr shown"
        playgrounds = page.locator(".book-playground-note")
        assert playgrounds.count() == stored
        for k in range(stored):
            note = playgrounds.nth(k)
            note.scroll_into_view_if_needed()
            assert note.is_visible() and "run this cell" in note.inner_text()
        assert not [e for e in watch.errors if "model not found" in e], watch.errors


def test_explorer_answers_the_keyboard_in_jupyterlab(trusted_sigmoid, tmp_path):
    """On the trusted sigmoid chapter's page as the test above left it (checked, no
    explorer moved): one load of the chapter for both."""
    page, _watch = trusted_sigmoid
    root = page.locator('.jp-OutputArea-output div[id^="explorer-"]').first
    img = root.locator("img")
    img.wait_for(state="visible")
    handle = root.element_handle()
    data = handle.evaluate(
        'r => JSON.parse(r.querySelector("script.lib-explorer-data").textContent)')
    controls = handle.evaluate("""r => Array.from(r.querySelectorAll("[data-param]"),
        el => ({param: Number(el.getAttribute("data-param")), type: el.type, id: el.id,
                disabled: el.disabled}))""")
    ranges = [c for c in controls if c["type"] == "range"]
    assert ranges, "the chapter's first explorer has no slider to move"
    assert not any(c["disabled"] for c in controls), (
        "the explorer's script did not run: is the notebook trusted?")
    assert handle.evaluate(SHOWN)["frame"] == "0"

    slider = ranges[0]
    expected = 1
    for size in data["sizes"][slider["param"] + 1:]:
        expected *= size  # row-major: slider at position 1, the others at 0
    page.locator(f"#{slider['id']}").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([r, f]) => r.querySelector('img').getAttribute('data-frame') === f",
        arg=[handle, str(expected)])
    shown = handle.evaluate(SHOWN)
    assert shown["src"] == data["frames"][expected], "the image is not the new frame"
    assert shown["alt"] == data["alts"][expected]
    root.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "jupyterlab.png"))

    # ArrowDown is a notebook shortcut (select the cell below) in JupyterLab: on the
    # slider it must move the slider back instead
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "r => r.querySelector('img').getAttribute('data-frame') === '0'", arg=handle)
    assert page.evaluate("() => document.activeElement.id") == slider["id"]


def test_notebook_7_shows_the_playground_note_not_an_error(chromium, jupyterlab):
    """Notebook 7 (the same server's /notebooks/) renders outputs as JupyterLab does: a
    trusted chapter's playground shows its note, not ipywidgets' error."""
    base, _ = jupyterlab
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.set_default_timeout(TIMEOUT_MS)
        browser.Watch(page, base)
        page.goto(f"{base}notebooks/trusted/{NOTEBOOK.name}")
        # settled: the note is there, or the widget manager has given its verdict
        page.wait_for_function(
            """() => document.querySelectorAll('.book-playground-note').length > 0 ||
                     /Error displaying widget/.test(document.body.innerText)""")
        texts = page.locator(".jp-OutputArea-output").all_inner_texts()
        assert not [t for t in texts if any(word in t for word in ERRORS)]
        assert page.locator(".book-playground-note").count() == 1
    finally:
        page.close()


def test_an_untrusted_chapter_says_why_its_sliders_are_grey(chromium, jupyterlab,
                                                            tmp_path):
    """A fresh clone's chapter is not trusted: JupyterLab shows the explorers' HTML but
    runs no script. Each explorer says so under its disabled controls; once the student
    trusts the notebook ("Trust Notebook" in the command palette), the scripts run, the
    line goes and the controls work."""
    base, _ = jupyterlab
    name = f"untrusted/{NOTEBOOK.name}"
    with notebook_page(chromium, base, name, tmp_path / "trusted.png") as (page, _watch):
        explorers = page.locator(".jp-OutputArea-output .lib-explorer")
        explorers.first.locator("img").wait_for(state="visible")
        count = explorers.count()
        assert count >= 2, "the sigmoid chapter has explorers"
        hints = page.locator(".lib-explorer-hint")
        assert hints.count() == count, "one line under each explorer"
        first = explorers.first
        first.scroll_into_view_if_needed()
        hint = first.locator(".lib-explorer-hint")
        assert hint.is_visible()
        assert re.fullmatch(r"Run this cell, or trust the notebook, to use the "
                            r"(sliders|menus|sliders and menus)\.", hint.inner_text())
        # JupyterLab's sanitizer keeps the controls but not their data- attributes
        controls = first.locator("input, select")
        assert controls.count() >= 1
        assert all(controls.nth(k).is_disabled() for k in range(controls.count()))
        page.screenshot(path=str(tmp_path / "untrusted.png"))

        page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
        page.keyboard.press("Control+Shift+C")  # the command palette
        palette = page.locator(".lm-CommandPalette-input")
        palette.fill("Trust Notebook")
        page.locator(".lm-CommandPalette-item", has_text="Trust Notebook").first.click()
        page.locator(".jp-Dialog button", has_text="Trust").last.click()

        page.wait_for_function("() => document.querySelectorAll('.lib-explorer-hint')"
                               ".length === 0")
        first = page.locator(".jp-OutputArea-output .lib-explorer").first
        first.scroll_into_view_if_needed()
        slider = first.locator("input[type=range]").first
        assert slider.is_enabled()
        slider.focus()
        page.keyboard.press("ArrowRight")
        assert first.locator("img").get_attribute("data-frame") != "0"


def test_the_readers_lab_has_no_instructor_tools(chromium, jupyterlab):
    """`make lab` is a reader's Lab: no nbgrader menu, panel or server extension, and no
    error line in the server's log (nbgrader's complained about the course folder)."""
    base, log = jupyterlab
    makefile = (ROOT / "Makefile").read_text()
    assert f'JUPYTER_CONFIG_PATH="$(CURDIR)/{READER.relative_to(ROOT).as_posix()}' in (
        makefile), "the test must use the settings `make lab` uses"
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.set_default_timeout(TIMEOUT_MS)
        browser.Watch(page, base)
        page.goto(f"{base}lab?reset")
        menus = page.locator(".lm-MenuBar-item")
        menus.first.wait_for(state="visible")
        names = menus.all_inner_texts()
        assert "Kernel" in names and not [n for n in names if "grader" in n.lower()], names
        config = json.loads(page.locator("#jupyter-config-data").text_content())
        assert "@jupyter/nbgrader" in config.get("disabledExtensions", [])
        page.locator(".jp-Launcher").first.wait_for(state="visible")
        assert page.get_by_text("Create Assignment").count() == 0
        assert page.get_by_text("Formgrader").count() == 0
    finally:
        page.close()
    text = log.read_text(errors="replace")
    assert "nbgrader" not in text.lower(), "nbgrader's server extensions ran"
    # nbgrader's complaint, "[E ... The course directory root is not a subdirectory of
    # the notebook server root": not in a reader's Lab (other [E] lines can come from a
    # test's page closing while its kernel connects)
    assert "course directory" not in text
