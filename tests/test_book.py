"""The book as a reader gets it.

(a) Every chapter source chapters/NN_name.py has its executed notebook, cell for cell, and the other
    way round; every chapter is in the table of contents.
(b) The book builds strictly (any Sphinx warning fails) from the committed notebooks.
(c) Headless Debian Chromium opens every built page: no console errors, no failed or external
    requests, no broken local links or images, math typeset by the offline MathJax, each chapter's
    outputs and figures shown. A screenshot of each page goes to _build/screenshots/.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import jupytext
import nbformat
import pytest
import yaml

# The notebooks that nbval re-executes later in the same pytest run see what
# tools/execute_chapters.py gave them: no progress bars (their timings would differ every run).
os.environ.setdefault("TQDM_DISABLE", "1")

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
BUILD = ROOT / "_build"
HTML = BUILD / "html"
SCREENSHOTS = BUILD / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
# Playwright adds --headless and --user-data-dir (a fresh profile per run) itself.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
# Cells whose output myst-nb leaves out of the page.
REMOVE_OUTPUT_TAGS = {"remove-cell", "remove_cell", "remove-output", "remove_output"}
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
#: What a chapter opens with (intriguing.prose.first_screen), and the glue record prefix (intriguing.prose).
FIRST_SCREEN = "Claim, result and verdict"
GLUE_PREFIX = "application/papermill.record/"

SOURCES = sorted(p for p in CHAPTERS.glob("*.py") if p.name != "__init__.py")
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))


def _ids(paths):
    return [p.name for p in paths]


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def toc_pages() -> list[str]:
    """Document names listed in _toc.yml, in reading order (root first)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(str(Path(entry["file"]).with_suffix("")))
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return pages


PAGES = toc_pages()


# --------------------------------------------------------------------------- (a) sources and notebooks

@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_notebook_has_its_source(notebook: Path):
    assert notebook.with_suffix(".py").is_file(), (
        f"{notebook.name} has no jupytext source {notebook.with_suffix('.py').name}: chapters "
        "are edited as .py files and executed with tools/execute_chapters.py")


@pytest.mark.parametrize("source", SOURCES, ids=_ids(SOURCES))
def test_notebook_is_the_executed_source(source: Path):
    name = source.name
    assert re.fullmatch(r"\d\d_[A-Za-z0-9_]+\.py", name), f"{name}: chapters are NN_name.py"
    notebook = source.with_suffix(".ipynb")
    assert notebook.is_file(), (
        f"{notebook.name} missing: run .venv/bin/python tools/execute_chapters.py chapters/{name}")
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    expected = jupytext.read(source)
    stale = f"{notebook.name} is not the executed {name}: re-run tools/execute_chapters.py chapters/{name}"
    got_cells = [(c.cell_type, c.source) for c in nb.cells]
    want_cells = [(c.cell_type, c.source) for c in expected.cells]
    assert got_cells == want_cells, stale
    assert "papermill" not in nb.metadata, f"{notebook.name}: papermill metadata left in"

    code = [c for c in nb.cells if c.cell_type == "code"]
    params = [c for c in code if "parameters" in _tags(c)]
    assert len(params) == 1, (
        f'{name}: needs exactly one code cell tagged parameters (`# %% tags=["parameters"]`)')
    for index, cell in enumerate(nb.cells):
        where = f"{notebook.name} cell {index}"
        assert "injected-parameters" not in _tags(cell), f"{where}: injected-parameters cell"
        assert not {"papermill", "execution"} & set(cell.metadata), f"{where}: volatile metadata"
        if cell.cell_type != "code":
            continue
        if cell.source.strip():
            assert cell.execution_count is not None, f"{where} was not executed"
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{where} has an error output: {errors[0].get('ename')}"


def test_every_chapter_is_in_the_table_of_contents():
    listed = set(PAGES)
    missing = [nb.name for nb in NOTEBOOKS if f"chapters/{nb.stem}" not in listed]
    assert not missing, f"add these to _toc.yml (only listed files are built): {missing}"
    for page in PAGES:
        candidates = [ROOT / f"{page}{ext}" for ext in (".md", ".ipynb", ".rst")]
        assert any(p.is_file() for p in candidates), f"_toc.yml lists {page}, which has no file"


# --------------------------------------------------------------------------- (b) strict build

@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the book from the committed notebooks (execution off), failing on any warning."""
    subprocess.run(["bash", str(ROOT / "tools" / "fetch_mathjax.sh")], cwd=ROOT, check=True)
    for stale in (HTML, BUILD / ".doctrees", BUILD / "jupyter_execute", SCREENSHOTS):
        shutil.rmtree(stale, ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jb), "build", str(ROOT), "--warningiserror", "--nitpick", "--keep-going", "--all"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    log = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
    BUILD.mkdir(exist_ok=True)
    (BUILD / "build.log").write_text(log)
    warnings = [ln for ln in log.splitlines() if re.search(r"\bWARNING\b|\bERROR\b", ln)]
    if proc.returncode != 0 or warnings:
        pytest.fail(f"strict book build failed (exit {proc.returncode}); "
                    f"warnings:\n" + "\n".join(warnings) + "\n--- build log tail ---\n"
                    + "\n".join(log.splitlines()[-40:]), pytrace=False)
    return HTML


def test_book_builds_strictly(built_book: Path):
    for page in PAGES:
        assert (built_book / f"{page}.html").is_file(), f"{page}.html was not built"
    assert (built_book / "_static" / "mathjax" / "es5" / "tex-chtml.js").is_file()
    page = (built_book / f"{PAGES[-1]}.html").read_text()
    assert re.search(r"Built from (git ref|an unknown)", page), "no version footer (tools/build_info.py)"


# --------------------------------------------------------------------------- (c) pages in a browser

def _colab_prefix() -> str:
    """Where Colab's launch button must point: _config.yml's repository, branch and book path."""
    import yaml

    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    url = repo["url"].removeprefix("https://github.com/").rstrip("/")
    path = (repo.get("path_to_book") or "").strip("/")
    return f"https://colab.research.google.com/github/{url}/blob/{repo['branch']}/" + (f"{path}/" if path else "")


COLAB_PREFIX = _colab_prefix()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test reports failures itself
        pass


@pytest.fixture(scope="module")
def server(built_book: Path):
    """Serve the built book on a loopback port, as a web host would."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's headless Chromium, driven over CDP by Playwright (module scope: closed before
    the notebooks of the same pytest run are executed)."""
    if not CHROMIUM.exists():
        message = (f"{CHROMIUM} is missing: install Debian's chromium "
                   "(tools/run_tests.sh does, as root)")
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=CHROMIUM_FLAGS, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


_IDS_CACHE: dict[Path, set[str]] = {}


def _ids_in(path: Path) -> set[str]:
    if path not in _IDS_CACHE:
        _IDS_CACHE[path] = {html.unescape(m) for m in re.findall(r'\bid="([^"]+)"', path.read_text())}
    return _IDS_CACHE[path]


def _local_file(url: str, base: str) -> Path | None:
    """The file under _build/html that a same-origin URL points at (None for other URLs)."""
    if not url.startswith(base):
        return None
    path = unquote(urlsplit(url).path).lstrip("/")
    target = HTML / path
    return target / "index.html" if (not path or target.is_dir()) else target


PAGE_STATE_JS = """async () => {
  const within = (promise, what) => Promise.race([promise, new Promise((_, reject) =>
      setTimeout(() => reject(new Error(what + ' did not finish in 20 s')), 20000))]);
  const out = {};
  const maths = Array.from(document.querySelectorAll('.math'));
  out.math = maths.length;
  if (maths.length) {
    if (!window.MathJax || !MathJax.startup) { out.mathjax = 'MathJax did not load'; }
    else { await within(MathJax.startup.promise, 'MathJax typesetting');
           out.mathjax = MathJax.version; }
  }
  await within(document.fonts.ready, 'font loading');
  out.untypeset = maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80));
  out.mjx = document.querySelectorAll('mjx-container').length;
  out.merrors = Array.from(document.querySelectorAll('mjx-merror'))
      .map(e => e.getAttribute('data-mjx-error') || e.textContent);
  out.fontErrors = Array.from(document.fonts).filter(f => f.status === 'error').map(f => f.family);
  await within(Promise.all(Array.from(document.images).map(img => img.complete ? null :
      new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); }))),
      'image loading');
  out.images = Array.from(document.images).map(img => {
      const cell = img.closest('.cell');
      let next = cell ? cell.nextElementSibling : null;
      // a cell that only glues values for the prose renders empty: the caption comes after it
      while (next && next.classList.contains('cell') && !(next.innerText || '').trim()) {
          next = next.nextElementSibling; }
      return {src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0,
              inOutput: !!img.closest('.cell_output'), alt: img.getAttribute('alt') || '',
              natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
              after: next && next.tagName === 'P' ? next.textContent.slice(0, 60) : '',
              styled: !!next && next.classList.contains('figure-caption')};
  });
  out.links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
  out.resources = Array.from(document.querySelectorAll('link[href], script[src]'))
      .map(e => e.href || e.src);
  out.outputs = Array.from(document.querySelectorAll('.cell_output')).map(e => e.innerText);
  out.pageOverflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  out.overflowing = Array.from(document.querySelectorAll('.cell_output > div'))
      .filter(e => e.scrollWidth > e.clientWidth + 1)
      .map(e => [e.scrollWidth, e.clientWidth, (e.innerText || '').trim().slice(0, 60)]);
  // code a reader sees without opening it: no line may run past the column's right edge
  out.cutInputs = Array.from(document.querySelectorAll('.cell_input pre'))
      .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
      .map(e => (e.innerText || '').split('\\n').reduce((a, b) => b.length > a.length ? b : a, '').trim());
  // a chapter opens with its claim, result and verdict: the first box comes before any code cell
  const box = document.querySelector('.admonition');
  const cell = document.querySelector('.cell');
  out.firstScreen = box ? {title: (box.querySelector('.admonition-title') || box).innerText.trim(),
      beforeCode: !cell || !!(box.compareDocumentPosition(cell) & Node.DOCUMENT_POSITION_FOLLOWING),
      text: box.innerText.slice(0, 3000)} : null;
  return out;
}"""


def _open(browser, url: str, base: str, shot: Path) -> tuple[dict, list[str]]:
    """Load a page, let MathJax finish, take a screenshot; return its state and the problems seen."""
    problems: list[str] = []
    page = browser.new_page()
    page.set_default_timeout(30_000)

    def on_request(route):
        problems.append(f"external request (the book must work offline): {route.request.url}")
        route.abort()

    page.route(lambda url: not url.startswith(base), on_request)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: r.url.startswith(base) and problems.append(
        f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.goto(url, wait_until="load")
        served = _local_file(url, base)
        refresh = re.search(r'http-equiv="refresh"[^>]*url=([^"\s>]+)', served.read_text(), re.I)
        if refresh:  # index.html: a redirect to the root page; check where it lands
            page.wait_for_url(urljoin(url, refresh.group(1)), wait_until="load")
        state = page.evaluate(PAGE_STATE_JS)
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
    except PlaywrightError as exc:  # report it as a problem of the page, with no driver traceback
        return {}, problems + [f"browser: {exc.message.splitlines()[0]}"]
    finally:
        page.close()

    if state["math"]:
        if state.get("mathjax", "").startswith("MathJax did not"):
            problems.append("MathJax did not load")
        if state["untypeset"]:
            problems.append(f"math not typeset by MathJax: {state['untypeset']}")
    if state["merrors"]:
        problems.append(f"MathJax errors: {state['merrors']}")
    if state["fontErrors"]:
        problems.append(f"fonts failed to load: {state['fontErrors']}")
    if state["pageOverflow"] > 0:
        problems.append(f"the page is {state['pageOverflow']} px wider than the window: it scrolls sideways")
    for wide, box, text in state["overflowing"]:
        problems.append(f"an output is {wide} px wide in a {box} px column, so readers must scroll sideways "
                        f"to see all of it ({text!r}): narrow it, or tag its cell full-width")
    # state["cutInputs"] (visible code lines cut off at the right edge) is measured but not yet enforced:
    # the chapters' shown code still has lines of 80-100 characters that a 688 px column cuts (issue 12).
    for img in state["images"]:
        if not img["ok"]:
            problems.append(f"image did not load: {img['src']}")
    for link in state["links"] + state["resources"]:
        target = _local_file(link, base)
        if target is None:
            continue
        if not target.is_file():
            problems.append(f"broken local link: {link}")
            continue
        fragment = urlsplit(link).fragment
        if fragment and target.suffix == ".html" and unquote(fragment) not in _ids_in(target):
            problems.append(f"link to a missing anchor: {link}")
    return state, problems


def _glue_only(output) -> bool:
    """A value glued for the prose (intriguing.prose.glue): stored in the notebook, not rendered."""
    data = output.get("data", {})
    return output.output_type == "display_data" and bool(data) and all(k.startswith(GLUE_PREFIX) for k in data)


def _expected_outputs(notebook: Path) -> tuple[list[list[str]], int]:
    """Per rendered code cell with outputs: the first lines of its text outputs; and the image count."""
    nb = nbformat.read(notebook, as_version=4)
    cells, images = [], 0
    for cell in nb.cells:
        shown = [o for o in cell.get("outputs", []) if not _glue_only(o)]
        if cell.cell_type != "code" or not shown or _tags(cell) & REMOVE_OUTPUT_TAGS:
            continue
        lines = []
        for out in shown:
            if out.output_type == "stream" and out.name == "stdout":
                text = re.sub(r"\x1b\[[0-9;]*m", "", out.text)
                lines += [ln.strip() for ln in text.splitlines() if ln.strip()][:1]
            images += sum(mime in out.get("data", {}) for mime in IMAGE_MIMES)
        cells.append(lines)
    return cells, images


def _figure_problems(figures: list[dict]) -> list[str]:
    """Each figure: shown at its own size (its fonts were chosen for that: a shrunk figure's text is
    too small to read), alt text saying what it shows, and a "Figure N." caption right under it."""
    problems = []
    for k, fig in enumerate(figures, 1):
        name = f"figure {k} ({fig['src'].rsplit('/', 1)[-1][:16]}...)"
        if fig["shown"] < fig["natural"] - 0.5:
            problems.append(f"{name} is {fig['natural']} px wide but shown at {fig['shown']:.0f} px: "
                            "draw it at most intriguing.plots.WIDTH inches wide")
        alt = fig["alt"].strip()
        if len(alt) < 40 or "_images/" in alt or alt.endswith(".png"):
            problems.append(f"{name} has no alt text (alt={alt[:40]!r}): give its cell the metadata "
                            'mystnb={"image": {"alt": "..."}}')
        if not re.match(r"Figure \d+[a-z]?[ .(]", fig["after"]):
            problems.append(f"{name} is not followed by a caption starting 'Figure N.' "
                            f"(found {fig['after'][:30]!r})")
        elif not fig["styled"]:
            problems.append(f"{name}: its caption is not marked as one (tools/figure_captions.py)")
    return problems


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("page_name", PAGES)
def test_page_in_browser(page_name: str, browser, server):
    shot = SCREENSHOTS / f"{page_name.replace('/', '__')}.png"
    state, problems = _open(browser, server + f"{page_name}.html", server, shot)
    notebook = ROOT / f"{page_name}.ipynb"
    if notebook.is_file() and state:
        cells, images = _expected_outputs(notebook)
        if re.fullmatch(r"chapters/0\d_\w+", page_name):
            first = state["firstScreen"]
            if not first or first["title"] != FIRST_SCREEN or not first["beforeCode"]:
                problems.append(f"the chapter does not open with its {FIRST_SCREEN!r} box before any code "
                                f"(found {first!r}): glue it with intriguing.prose.first_screen")
            elif "{glue" in first["text"] or not re.search(r"Verdict", first["text"]):
                problems.append(f"the first-screen box is not filled in: {first['text'][:120]!r}")
        if len(state["outputs"]) != len(cells):
            problems.append(f"{len(cells)} code cells have outputs, the page shows "
                            f"{len(state['outputs'])}")
        shown = _squash(" ".join(state["outputs"]))
        for lines in cells:
            for line in lines:
                if _squash(line) not in shown:
                    problems.append(f"output line not on the page: {line!r}")
        loaded = [i for i in state["images"] if i["inOutput"] and i["ok"]]
        if len(loaded) != images:
            problems.append(f"{images} figures in the notebook, {len(loaded)} loaded on the page")
        problems += _figure_problems(loaded)
        # the launch button opens this very notebook, from the book's repository and branch, on Colab
        colab = [link for link in state["links"] if link.startswith("https://colab.research.google.com/")]
        expected = f"{COLAB_PREFIX}{page_name}.ipynb"
        if colab != [expected]:
            problems.append(f"Colab launch link(s) {colab}, expected [{expected!r}]")
    assert not problems, f"{page_name}.html (screenshot {shot}):\n" + "\n".join(problems)


def test_other_built_pages_in_browser(browser, server, built_book: Path):
    """The pages Sphinx adds (index redirect, search, general index) load cleanly too."""
    listed = {built_book / f"{p}.html" for p in PAGES}
    others = sorted(p for p in built_book.rglob("*.html") if p not in listed
                    and "_static" not in p.parts and "_sources" not in p.parts)
    assert others, "expected Sphinx's own pages (genindex, search) in the build"
    failures = []
    for path in others:
        rel = path.relative_to(built_book).as_posix()
        shot = SCREENSHOTS / f"_{rel.replace('/', '__')}.png"
        _, problems = _open(browser, server + rel, server, shot)
        failures += [f"{rel}: {p}" for p in problems]
    assert not failures, "\n".join(failures)
