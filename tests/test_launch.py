"""Launching the book anywhere: the repository's address in one place (_config.yml),
Binder's environment (binder/, checked with repo2docker as mybinder.org would), the
chapters' Colab install cell, the launch, download and repository buttons and the
playground notes' links on the built site, and the publishing workflow."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename

from tools import browser, colab_cell
from tools.book import ROOT, chapter_paths, notebook_paths, read_config
from tools.book import read_notebook as load
from tools.sphinx_ext import launch_links

NOTEBOOKS = chapter_paths()
PAGES = {f"chapters/{p.stem}.html": p for p in NOTEBOOKS}
BIN = os.path.dirname(sys.executable)
PYTORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def config():
    return read_config()


def repository():
    """(url, owner, name, branch) from _config.yml."""
    repo = config()["repository"]
    url = repo["url"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+)", url)
    assert match, f"_config.yml: repository.url must be https://github.com/OWNER/NAME: {url}"
    return url, match.group(1), match.group(2), repo["branch"]


# --- the address lives in one place ---------------------------------------------------------


TEXT_SUFFIXES = {".py", ".md", ".yml", ".yaml", ".txt", ".toml", ".cfg", ".ipynb", ".js",
                 ".css", ".html"}
SKIP_DIRS = {"_build", "__pycache__", "build", "dist"}
KEEP_DOT_DIRS = {".github", ".ci"}


def tracked_text_files():
    """The book's own text files: not .venv, caches, build outputs or .git."""
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames
                       if (not d.startswith(".") or d in KEEP_DOT_DIRS)
                       and d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.splitext(name)[1] in TEXT_SUFFIXES or name in ("Makefile", "run"):
                yield path


def test_the_repository_address_is_written_only_in_config_and_the_colab_cells():
    url, owner, name, _ = repository()
    places = []
    for path in tracked_text_files():
        with open(path, encoding="utf-8", errors="replace") as f:
            if f"{owner}/{name}" in f.read():
                places.append(os.path.relpath(path, ROOT))
    allowed = {"_config.yml"} | {p.relative_to(ROOT).as_posix() for p in notebook_paths()}
    assert "_config.yml" in places
    assert set(places) <= allowed, (
        f"{url} is written in {sorted(set(places) - allowed)}: derive it from _config.yml "
        "(the one setting a publisher of a fork changes)")
    for path in NOTEBOOKS:
        cells = [c for c in load(path)["cells"] if f"{owner}/{name}" in c.source]
        assert [c.get("id") for c in cells] == [colab_cell.CELL_ID], (
            f"{path.name}: the address may only appear in the Colab install cell")


# --- Binder -----------------------------------------------------------------------------------

def requirements(path):
    """{distribution name (normalised): Requirement} of a requirements file's
    requirement lines (comments and options such as ``-e .`` left out)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = "" if line.lstrip().startswith("#") else line.split(" #")[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            found[canonicalize_name(req.name)] = req
    return found


def pins(path):
    """{distribution name (normalised): version} of a requirements file's lines, each of
    which must pin an exact version (``name==version``) or name a wheel by its URL."""
    found = {}
    for name, req in requirements(path).items():
        if req.url:
            found[name] = str(parse_wheel_filename(unquote(req.url.rsplit("/", 1)[1]))[1])
        else:
            specs = list(req.specifier)
            assert len(specs) == 1 and specs[0].operator == "==" and not req.marker, (
                f"{path.relative_to(ROOT)}: not pinned: {req}")
            found[name] = specs[0].version
    return found


def options(path):
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip().startswith("-")]


def test_binder_runs_python_3_11():
    assert (ROOT / "binder/runtime.txt").read_text().strip() == "python-3.11"


def test_binder_takes_the_cpu_only_torch_and_the_root_pins():
    lock, binder = pins(ROOT / "requirements.txt"), pins(ROOT / "binder/requirements.txt")
    torch = requirements(ROOT / "binder/requirements.txt")["torch"]
    # the CPU build of the lock's torch, the wheel for Binder's Linux x86_64 and Python
    # 3.11, from PyTorch's CPU index by its URL: no index for every other package
    assert torch.url and torch.url.startswith(PYTORCH_CPU_INDEX + "/"), (
        f"binder/requirements.txt must name torch's CPU wheel under {PYTORCH_CPU_INDEX}, "
        f"got {torch}")
    _, version, _, tags = parse_wheel_filename(unquote(torch.url.rsplit("/", 1)[1]))
    assert str(version) == lock["torch"] + "+cpu", (
        f"binder/requirements.txt must take torch {lock['torch']}+cpu (the CPU-only build "
        f"of the lock's torch=={lock['torch']}), got {version}")
    assert any(t.interpreter == "cp311" and t.abi == "cp311" and t.platform.startswith(
        "manylinux") and t.platform.endswith("_x86_64") for t in tags), tags
    assert not [o for o in options(ROOT / "binder/requirements.txt")
                if "index-url" in o or "find-links" in o], "no index beyond PyPI"
    for name, version in binder.items():
        if name != "torch":
            assert lock.get(name) == version, (
                f"binder/requirements.txt pins {name}=={version}, the lock "
                f"{lock.get(name, 'nothing')}: the two must agree")
    assert "-e ." in options(ROOT / "binder/requirements.txt"), "Binder must install lib"


def _imports(code, package=None):
    """(top-level modules, lib modules) that ``code`` imports; ``package`` is "lib" for a
    module of lib (where relative imports mean lib's own modules)."""
    tops, libs = set(), set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                tops.add(alias.name.split(".")[0])
                if alias.name.startswith("lib."):
                    libs.add(alias.name.split(".")[1])
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: inside lib
                module = package + ("." + module if module else "")
            tops.add(module.split(".")[0])
            if module == "lib":
                libs |= {alias.name for alias in node.names}
            elif module.startswith("lib."):
                libs.add(module.split(".")[1])
    return tops, libs


def imported_modules():
    """Top-level modules a reader's kernel imports: those of the chapters' code cells and
    of the lib modules they import, followed from module to module (a lib module that no
    chapter reaches is not the kernel's business)."""
    names, todo = set(), set()
    for path in NOTEBOOKS:
        for cell in load(path)["cells"]:
            if cell["cell_type"] == "code":
                # IPython's %magics and !commands are not Python
                code = "\n".join(line for line in cell.source.splitlines()
                                 if not line.lstrip().startswith(("%", "!")))
                tops, libs = _imports(code)
                names |= tops
                todo |= libs
    seen = set()
    while todo:
        name = todo.pop()
        seen.add(name)
        path = ROOT / "lib" / f"{name}.py"  # a module, or a package's modules (lib.checks)
        files = [path] if path.exists() else sorted((ROOT / "lib" / name).glob("*.py"))
        assert files, f"a chapter or lib module imports lib.{name}, which is missing"
        for file in files:
            tops, libs = _imports(file.read_text(encoding="utf-8"), package="lib")
            names |= tops
            todo |= libs - seen
    assert {"activations", "explorer"} <= seen, seen  # the walk reaches lib at all
    return names - set(sys.stdlib_module_names) - {"__future__", "lib"}


def test_binder_installs_everything_the_chapters_import():
    binder = pins(ROOT / "binder/requirements.txt")
    dists = importlib.metadata.packages_distributions()
    needed = {"ipykernel"}  # the kernel itself
    for module in imported_modules():
        assert module in dists, f"the chapters import {module}, which no package installs"
        needed |= {re.sub(r"[-_.]+", "-", d).lower() for d in dists[module]}
    missing = sorted(needed - set(binder))
    assert not missing, f"binder/requirements.txt lacks {missing}: Binder's kernel needs them"


@pytest.fixture(scope="module")
def repo2docker(tmp_path_factory):
    """What `repo2docker --no-build --debug` makes of the repository: (log, Dockerfile).
    It reads binder/ exactly as mybinder.org does, offline and with no Docker engine."""
    exe = os.path.join(BIN, "repo2docker")
    if not os.path.exists(exe):
        pytest.fail("repo2docker is missing: pip install -r requirements.txt")
    cwd = tmp_path_factory.mktemp("repo2docker")  # it looks for its own config in the cwd
    done = subprocess.run([exe, "--no-build", "--debug", str(ROOT)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"repo2docker failed:\n{done.stderr[-3000:]}"
    return done.stderr, done.stdout


def test_repo2docker_builds_python_3_11_with_the_binder_requirements(repo2docker):
    log, dockerfile = repo2docker
    assert "Building conda environment for python=3.11" in log, log
    # the conda environment file it copies in is the one for Python 3.11
    assert re.search(r"environment-2epy-2d3-2e11-2dlinux-2d64-2elock\S* /tmp/env/", dockerfile)
    installs = re.findall(r"^RUN .*pip install .*$", dockerfile, re.M)
    assert installs == ['RUN ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r '
                        '"binder/requirements.txt"'], installs
    # `-e .` installs lib: the repository must be in the image, and the working
    # directory, before pip runs
    copy = dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    assert dockerfile.index("WORKDIR ${REPO_DIR}") < copy < dockerfile.index(installs[0])
    assert '-r "requirements.txt"' not in dockerfile, "the root requirements are not for Binder"


# --- Colab ------------------------------------------------------------------------------------

def test_every_chapter_has_the_current_colab_cell():
    done = subprocess.run([sys.executable, "-m", "tools.colab_cell", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_colab_tool_inserts_updates_and_leaves_the_rest_alone():
    tool = colab_cell
    title = {"cell_type": "markdown", "id": "t", "metadata": {}, "source": "# A chapter"}
    setup = {"cell_type": "code", "id": "s", "execution_count": 1, "metadata": {},
             "outputs": [], "source": "from lib import plots"}
    nb = {"cells": [dict(title), dict(setup)]}
    old = tool.cell_source("https://github.com/a/b", "main")
    assert tool.apply(nb, old) == "inserted"
    assert [c["id"] for c in nb["cells"]] == ["t", tool.CELL_ID, "s"]
    assert nb["cells"][2] == setup, "the other cells stay as they were"
    assert tool.apply(nb, old) is None, "a second run changes nothing"
    nb["cells"][1]["execution_count"] = 1
    new = tool.cell_source("https://github.com/fork/b", "gh-pages-src")
    assert tool.apply(nb, new) == "updated"
    assert nb["cells"][1]["source"] == new and nb["cells"][1]["execution_count"] == 1
    nb["cells"].insert(1, nb["cells"].pop(1 + 1))  # the cell moved below the setup cell
    assert tool.apply(nb, new) == "inserted" and nb["cells"][1]["id"] == tool.CELL_ID
    assert len(nb["cells"]) == 3
    with pytest.raises(ValueError, match="markdown title"):
        tool.apply({"cells": [dict(setup)]}, new)
    with pytest.raises(ValueError, match="repository.url"):
        tool.repository_from({"repository": {"url": "https://gitlab.com/a/b",
                                             "branch": "main"}})
    with pytest.raises(ValueError, match="over the chapters' 80"):
        tool.cell_source("https://github.com/" + "x" * 60 + "/book", "main")


IPYTHON_RUN = textwrap.dedent("""
    import json, sys
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    calls = []
    shell.register_magic_function(lambda line: calls.append(line), "line", "pip")
    if sys.argv[2] == "without-lib":
        sys.modules["lib"] = None  # `import lib` raises ImportError, as in Colab
    if sys.argv[2] == "other-lib":  # Colab: the book's lib not installed (no editable
        # finder), another package called lib in the working folder
        sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in str(f)]
    result = shell.run_cell(open(sys.argv[1]).read())
    print(json.dumps({"ok": result.success, "calls": calls}))
""")


@pytest.mark.parametrize("lib", ["with-lib", "without-lib", "other-lib"])
def test_colab_cell_runs_pip_only_where_lib_is_missing(tmp_path, lib):
    """The cell in IPython (pip's magic replaced by a recorder): where the book's lib
    imports it does nothing and prints nothing; where it does not, or where another
    package called lib comes first on the path, it asks pip for the repository."""
    url, _, _, branch = repository()
    if lib == "other-lib":  # the working folder comes first on the path
        (tmp_path / "lib").mkdir()
        (tmp_path / "lib" / "__init__.py").write_text("")
    cell = tmp_path / "cell.py"
    cell.write_text(colab_cell.cell_source(url, branch))
    done = subprocess.run([sys.executable, "-c", IPYTHON_RUN, str(cell), lib],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    *printed, last = done.stdout.splitlines()
    report = json.loads(last)
    assert report["ok"] and not printed, done.stdout
    expected = [] if lib == "with-lib" else [f'install --quiet "git+{url}@{branch}"']
    assert report["calls"] == expected


def test_lib_builds_as_the_package_colab_installs(tmp_path):
    """What the Colab cell's pip does, from a copy of the repository: a wheel holding
    every module of lib, installable on Colab's newer Python."""
    src = tmp_path / "src"
    (src / "lib").mkdir(parents=True)
    (src / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    modules = [p.relative_to(ROOT).as_posix() for p in (ROOT / "lib").rglob("*.py")]
    for module in modules:  # lib's subpackages too (lib.checks)
        (src / module).parent.mkdir(parents=True, exist_ok=True)
        (src / module).write_text((ROOT / module).read_text(encoding="utf-8"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "--quiet", "-w", str(tmp_path / "dist"),
                           str(src)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = zf.read(meta).decode()
    expected = set(modules)
    assert expected <= names, f"the wheel lacks {sorted(expected - names)}"
    requires = re.search(r"^Requires-Python: (.+)$", metadata, re.M).group(1)
    for python in ("3.11", "3.12", "3.13"):
        assert python in SpecifierSet(requires), (
            f"lib requires Python {requires}: Colab's Python {python} could not install it")


# --- the built site ---------------------------------------------------------------------------

class Links(HTMLParser):
    """Every <a> (attributes and text), <button> and thebe config of a page."""

    def __init__(self):
        super().__init__()
        self.anchors, self.buttons, self._open, self._in_config = [], [], [], False
        self.thebe_config = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.anchors.append(dict(attrs, text=""))
            self._open.append(self.anchors[-1])
        elif tag == "button":
            self.buttons.append(dict(attrs, text=""))
            self._open.append(self.buttons[-1])
        elif tag == "script" and attrs.get("type") == "text/x-thebe-config":
            self._in_config = True

    def handle_endtag(self, tag):
        if tag in ("a", "button") and self._open:
            self._open.pop()
        if tag == "script":
            self._in_config = False

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data
        if self._in_config:
            self.thebe_config += data


def parse(path):
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    for element in links.anchors + links.buttons:
        element["text"] = " ".join(element["text"].split())
    return links


def expected_launch(notebook):
    url, owner, name, branch = repository()
    rel = f"chapters/{notebook.name}"
    return {
        "Binder": f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?urlpath=lab/tree/{rel}",
        "Colab": f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/{rel}",
    }


@pytest.mark.parametrize("page", list(PAGES))
def test_chapter_page_launches_its_own_notebook_on_the_configured_branch(site, page):
    notebook = PAGES[page]
    links = parse(site / page)
    expected = expected_launch(notebook)
    for provider, href in expected.items():
        found = [a["href"] for a in links.anchors if a.get("title") == f"Launch on {provider}"]
        assert found == [href], f"{page}: {provider} launch link {found}, expected {href}"
    assert (ROOT / "chapters" / notebook.name).exists()
    live = [b for b in links.buttons if b.get("onclick") == "initThebeSBT()"]
    assert len(live) == 1 and live[0]["text"] == "Live Code", f"{page}: no Live Code button"
    _, owner, name, branch = repository()
    thebe = links.thebe_config
    assert f'repo: "{owner}/{name}"' in thebe and f'ref: "{branch}"' in thebe, thebe
    assert 'path: "./chapters"' in thebe, f"{page}: Thebe's kernel must start in chapters/"


@pytest.mark.parametrize("page", list(PAGES))
def test_chapter_page_has_repository_issue_and_download_buttons(site, page):
    url, *_ = repository()
    links = parse(site / page)
    repo = [a["href"] for a in links.anchors if a.get("title") == "Source repository"]
    assert repo == [url], f"{page}: repository button {repo}"
    issues = [a["href"] for a in links.anchors if a.get("title") == "Open an issue"]
    assert len(issues) == 1 and issues[0].startswith(f"{url}/issues/new?"), issues
    downloads = [a for a in links.anchors if a.get("title") == "Download source file"]
    assert [a["text"] for a in downloads] == [".ipynb"], f"{page}: no .ipynb download"
    target = (site / page).parent / downloads[0]["href"]
    assert target.resolve().is_file(), f"{page}: the download {downloads[0]['href']} is missing"
    assert load(target)["cells"] == load(PAGES[page])["cells"], (
        f"{page}: the downloadable notebook is not the chapter's")
    pdf = [b for b in links.buttons if b.get("title") == "Print to PDF"]
    assert len(pdf) == 1, f"{page}: no .pdf (print) button"


@pytest.mark.parametrize("page", list(PAGES))
def test_playground_notes_link_to_this_chapters_launches(site, page):
    notebook = PAGES[page]
    links = parse(site / page)
    notes = [a for a in links.anchors if "book-launch" in (a.get("class") or "").split()]
    playgrounds = sum(
        "book-playground-note" in "".join(o.get("data", {}).get("text/html", ""))
        for c in load(notebook)["cells"] for o in c.get("outputs", []))
    assert len(notes) == 2 * playgrounds, f"{page}: {len(notes)} launch links in its notes"
    expected = expected_launch(notebook)
    for a in notes:
        provider = {"binder": "Binder", "colab": "Colab"}[a["data-launch"]]
        assert a.get("href") == expected[provider], (
            f"{page}: a playground note's {provider} link is {a.get('href')!r}")
        assert a.get("target") == "_blank" and a.get("rel") == "noopener"


def test_launch_links_extension_fills_the_notes_from_the_pages_buttons(caplog):
    ext = launch_links
    from lib.widgets import WEBSITE_NOTE

    buttons = [{"label": "launch-buttons", "buttons": [
        {"type": "link", "text": "Binder", "url": "https://b.example/x?urlpath=a&b=1"},
        {"type": "link", "text": "Colab", "url": "https://c.example/y"},
        {"type": "javascript", "text": "Live Code"}]}]
    context = {"body": f"<p>{WEBSITE_NOTE}</p>", "header_buttons": buttons}
    ext.fill(None, "chapters/x", "page.html", context, None)
    assert 'data-launch="binder" href="https://b.example/x?urlpath=a&amp;b=1"' in (
        context["body"])
    assert 'data-launch="colab" href="https://c.example/y"' in context["body"]
    assert not ext.LINK.search(context["body"])

    context = {"body": f"<p>{WEBSITE_NOTE}</p>", "header_buttons": buttons[:0]}
    with caplog.at_level("WARNING"):
        ext.fill(None, "chapters/x", "page.html", context, None)
    assert "no such launch button" in caplog.text and "'binder'" in caplog.text


def test_no_page_has_an_unfilled_launch_link(site):
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'<(a|span) class="book-launch" data-launch="\w+">', text), (
            f"{path.relative_to(site)}: a playground note's launch link has no address")


# --- the site in Chromium: launch menu, notes, and Thebe only on click -------------------------

@pytest.mark.browser
def test_launch_menu_opens_and_thebe_loads_only_on_click(chromium, site_url):
    if not PAGES:
        pytest.skip("no chapter")
    page_path = next(p for p, nb in PAGES.items()
                     if any("book-playground-note" in json.dumps(c.get("outputs", []))
                            for c in load(nb)["cells"]))
    expected = expected_launch(PAGES[page_path])
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    watch = browser.Watch(page, site_url)
    try:
        page.goto(site_url + page_path, wait_until="load")
        page.wait_for_function(browser.SCRIPTS_RUN)
        page.wait_for_load_state("networkidle")
        assert not watch.not_local(), f"requests on load: {watch.not_local()}"
        assert not watch.errors, watch.errors

        menu = page.locator(".dropdown-launch-buttons")
        binder = menu.get_by_role("link", name="Binder")
        assert not binder.is_visible(), "the launch menu is open before a click"
        menu.get_by_role("button", name="Launch interactive content").click()
        binder.wait_for(state="visible")
        assert binder.get_attribute("href") == expected["Binder"]
        assert menu.get_by_role("link", name="Colab").get_attribute("href") == expected["Colab"]

        note = page.locator(".book-playground-note").first
        note.scroll_into_view_if_needed()
        for name, provider in (("Binder", "Binder"), ("Google Colab", "Colab")):
            link = note.get_by_role("link", name=name, exact=True)
            assert link.is_visible(), f"the playground note shows no {name} link"
            assert link.get_attribute("href") == expected[provider]

        # Live Code fetches Thebe (from its CDN) only now; the test's router aborts it
        page.locator(".dropdown-launch-buttons").get_by_role(
            "button", name="Launch interactive content").click()
        with page.expect_request(lambda r: "thebe" in r.url and not r.url.startswith(
                site_url)) as request:
            page.get_by_role("button", name="Live Code").click()
        thebe_url = page.evaluate("() => THEBE_JS_URL")
        assert request.value.url == thebe_url
    finally:
        page.close()


# --- publishing --------------------------------------------------------------------------------

def make_targets():
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", text, re.M))


def test_publishing_workflow_runs_only_the_readers_commands():
    workflow = yaml.safe_load((ROOT / ".github/workflows/book.yml").read_text())
    targets = make_targets()
    runs, uses = [], []
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            if "run" in step:
                runs.append(step["run"].strip())
            if "uses" in step:
                uses.append(step["uses"])
    for command in runs:
        ok = command == "bash .ci/run" or (
            re.fullmatch(r"make( [a-z][\w-]*)+", command)
            and set(command.split()[1:]) <= targets)
        assert ok, f"the workflow runs {command!r}: only `bash .ci/run` and make targets"
    assert "bash .ci/run" in runs and "make linkcheck" in runs
    for action in uses:
        assert re.fullmatch(r"actions/[\w-]+@v\d+", action), f"{action}: GitHub's own, pinned"
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= {
        u.split("@")[0] for u in uses}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert "refs/heads/main" in deploy["if"] and "pull_request" in deploy["if"]
    # the workflow's job runs where .ci/run's apt-get gives Debian's Chromium
    image = workflow["jobs"]["test-and-build"]["container"]["image"]
    assert re.fullmatch(r"python:3\.11-(bookworm|trixie)", image), image
