"""An explorer works live in JupyterLab (marker `browser`).

JupyterLab from the book's environment, on 127.0.0.1 with a free port, serves a copy of
the sigmoid chapter from a temporary folder, with temporary Jupyter config, data and
runtime folders (nothing of the user's setup leaks in) and the copy trusted in that data
folder, so its HTML outputs may run their JavaScript. Chromium opens the notebook; the
first explorer's figure must show, and the keyboard must move its slider (JupyterLab
must not take the arrow keys: the controls carry data-lm-suppress-shortcuts) and swap in
the right frame. Skipped with a message where Chromium or Playwright is missing, failed
in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import browser
import pytest
from conftest import CHAPTERS

NOTEBOOK = CHAPTERS / "03_sigmoid_vanishing_gradients.ipynb"
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
    """Environment with Jupyter's and IPython's folders in tmp_path."""
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


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab serving a trusted copy of the chapter; yields (base URL, notebook name)."""
    root = tmp_path / "root"
    root.mkdir()
    copy = root / NOTEBOOK.name
    shutil.copyfile(NOTEBOOK, copy)
    env = isolated_env(tmp_path)
    subprocess.run([sys.executable, "-m", "jupyter", "trust", str(copy)], env=env,
                   check=True, capture_output=True, timeout=60)
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
        yield base, copy.name
    finally:
        stop(proc)


SHOWN = """root => {
  const img = root.querySelector("img");
  return {frame: img.getAttribute("data-frame"), src: img.getAttribute("src"),
          alt: img.getAttribute("alt")};
}"""


def test_explorer_answers_the_keyboard_in_jupyterlab(chromium, jupyterlab, tmp_path):
    base, name = jupyterlab
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.set_default_timeout(TIMEOUT_MS)
        browser.Watch(page, base)  # anything not local is aborted
        page.goto(f"{base}lab/tree/{name}")
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
    finally:
        page.close()
