"""How fast chapter 5's network widget answers in a real JupyterLab, against the issue's targets.

    LUTLIB_DATA=../shared/data .venv/bin/python benchmarks/bench_widget_latency.py [--variant ...]

Starts `jupyter lab` on 127.0.0.1 (a free port, a random token, its own settings folders) on a
*copy* of notebooks/04_lut_networks.ipynb in a temporary folder (the committed file is never
touched), opens it in headless Chromium (/usr/bin/chromium, driven by playwright), runs the cells
the network widget needs (``--full``: the whole chapter), then moves the widget's controls and
times, in the page, from the change to the new figure on screen. Targets: a new
setting redrawn in a median of 0.7 s, and no move over 1.0 s, at the default 5 x 1024, k = 8
(label noise moved: a fresh fit each time), and in a median of 1.2 s at width 2048, k = 12.

Variants (each run in a fresh JupyterLab and kernel):
  committed   the chapter as committed: ``lutlib.threads.configure()`` in its imports, and the
              widget's per-layer scores computed in the fit's own pass (``fit(..., eval_set=...)``)
  separate    the widget as it was first written: fit, then ``layer_scores`` on the test images
              and on 10,000 training images and ``score``: three more passes through the network
  interactive the committed fit, drawn the way the chapter drew it before ``LiveWidget``:
              ``widgets.interactive`` with ``plt.show()`` (a new output area per move, and the
              inline backend's tight crop: two renderings of every figure)
Kernel-only figures (the widget's fit and scoring in this process, no browser) are printed for
both ways, with numba on 1 and on 2 threads, in seconds and in CPU seconds (the work, whatever
the load).
This is a report, not a test: it never fails a build.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from lab_server import LabServer, LabStartError  # noqa: E402  (scripts/lab_server.py)

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "notebooks" / "04_lut_networks.ipynb"
CHROMIUM = os.environ.get("LUTBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BIN = Path(sys.executable).parent
TARGETS = {"default": 0.7, "wide": 1.2}   # median seconds: 5 x 1024 k = 8, and 5 x 2048 k = 12
MAX_MOVE = 1.0                           # seconds: no single move at 5 x 1024, k = 8 slower
# cells the widget needs, found by what they contain (the whole chapter with --full)
NEEDED = ("use_book_style()", "load_mnist()", "layer_scores(B_test", "def plot_layers",
          "def train_and_score", "def draw_network", "LiveWidget(draw_network")
SEPARATE = '''\
def train_and_score(k, kind="real", seed=SEED, depth=5, width=1024, measure=None):
    # The widget as first written: a fit, then three more passes to score it.
    key = (depth, width, k, kind, seed)
    if key not in _runs:
        labels = training_labels(kind, seed)
        start = time.perf_counter()
        model = LutNetwork(hidden=(width,) * depth, k=k, seed=seed).fit(B_train, labels)
        test = model.layer_scores(B_test, t_test)
        train = model.layer_scores(B_train[:10_000], labels[:10_000])
        _runs[key] = {"test": test, "train": train, "train_acc": model.train_accuracy_,
                      "test_acc": model.score(B_test, t_test),
                      "seconds": time.perf_counter() - start, "model": None, "measured": None}
    return _runs[key]
'''

INTERACTIVE = '''\
def show_network(depth=5, width=1024, k=8, noise=0.0):
    draw_network(depth, width, k, noise)
    plt.show()


widgets.interactive(show_network, **controls)
'''


def prepare(folder: Path, variant: str, full: bool) -> Path:
    """Write the chapter's copy for this variant into folder; returns its path."""
    nb = nbformat.read(CHAPTER, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not full:
        keep = [code[0]] + [c for c in code[1:] if any(s in c.source for s in NEEDED)]
        missing = [s for s in NEEDED if not any(s in c.source for c in keep)]
        if missing:
            sys.exit(f"chapter 5 changed: no cell contains {missing}; update NEEDED in {__file__}")
        nb.cells = keep
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    if variant == "interactive":
        cell = next(c for c in nb.cells if "LiveWidget(draw_network" in c.source)
        cell.source = INTERACTIVE
    if variant == "separate":
        at = next(i for i, c in enumerate(nb.cells) if "def train_and_score" in c.source)
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(SEPARATE))
    path = folder / CHAPTER.name
    nbformat.write(nb, path)
    return path


# In the page: resolve with the milliseconds until the widget shows an image other than `old`.
WAIT_NEW_IMAGE = """([old, t0, timeout]) => new Promise((resolve) => {
  const box = document.querySelector('.lutbench-widget');
  // A new <img> (interactive: a new output area) or a new src on the same one (LiveWidget): done
  // when it has loaded; a src set before the image is decoded triggers no further mutation.
  const check = () => {
    const img = box.querySelector('img');
    if (!img || img.src === old) return false;
    if (img.complete && img.naturalWidth > 0) { resolve(performance.now() - t0); return true; }
    img.addEventListener('load', () => resolve(performance.now() - t0), {once: true});
    return true; };
  if (check()) return;
  const obs = new MutationObserver(() => { if (check()) obs.disconnect(); });
  obs.observe(box, {subtree: true, childList: true, attributes: true});
  setTimeout(() => { obs.disconnect(); resolve(-1); }, timeout);
})"""


def _image(page) -> str:
    return page.evaluate("() => { const i = document.querySelector('.lutbench-widget img');"
                         " return i ? i.src : ''; }")


def set_control(page, label: str, value: str, timeout_s: float) -> float:
    """Set the slider described `label` to value; seconds until the widget shows a new figure.

    A number is typed into the slider's readout; "+" presses the right arrow key once on its
    handle (a SelectionSlider's readout cannot be typed into).
    """
    old = _image(page)
    slider = page.locator(f".lutbench-widget .widget-slider:has(label:text-is('{label}'))")
    if value == "+":
        slider.locator(".noUi-handle").focus()
        key = "ArrowRight"
    else:
        slider.locator(".widget-readout").click()
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
        key = "Enter"
    t0 = page.evaluate("() => performance.now()")
    page.keyboard.press(key)
    ms = page.evaluate(WAIT_NEW_IMAGE, [old, t0, timeout_s * 1000])
    if ms < 0:
        shown = page.locator(".lutbench-widget").inner_text()[-600:]
        raise TimeoutError(f"no new figure {timeout_s} s after setting {label} to {value}; the widget "
                           f"shows:\n{shown}")
    print(f"    {label} -> {value}: {ms / 1000:.2f} s", flush=True)
    return ms / 1000


def run_variant(variant: str, full: bool, shots: Path | None) -> dict:
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory(prefix="lutbench-") as tmp:
        folder = Path(tmp) / "notebooks"
        folder.mkdir()
        path = prepare(folder, variant, full)
        try:
            lab = LabServer(folder, extra_args=("--LabApp.expose_app_in_browser=True",))
        except LabStartError as e:
            sys.exit(str(e))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.goto(f"{lab.base}/lab/tree/{path.name}?token={lab.token}", wait_until="domcontentloaded")
                page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                       " && window.jupyterapp.shell.currentWidget.sessionContext", timeout=120_000)
                page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session"
                                       " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                                       timeout=120_000)
                start = time.monotonic()
                page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
                # done when no cell waits or runs ([*]) and the widget shows its first figure
                page.wait_for_function(
                    """() => { if ([...document.querySelectorAll('.jp-OutputArea-output')].some(
                                   o => /Traceback|Error:/.test(o.textContent))) return true;  // reported below
                               const ps = [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')];
                               const busy = ps.some(p => /\\[\\*\\]|\\[ \\]/.test(p.textContent));
                               const w = [...document.querySelectorAll('.lutbook-live, .widget-interact')].find(
                                   b => b.textContent.includes('label noise'));
                               if (!w || busy) return false;
                               w.classList.add('lutbench-widget');
                               const img = w.querySelector('img');
                               return img && img.complete && img.naturalWidth > 0; }""",
                    timeout=1_800_000, polling=500)
                ran = time.monotonic() - start
                errors = page.locator(".jp-OutputArea-output")
                tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error:" in t]
                if tracebacks:
                    raise RuntimeError(f"the chapter failed in JupyterLab:\n{tracebacks[0][-2000:]}")
                page.locator(".lutbench-widget").scroll_into_view_if_needed()
                result = {"variant": variant, "run_s": ran, "default": [], "wide": []}
                for noise in ("0.1", "0.2", "0.3", "0.4", "0.5"):   # 5 x 1024, k = 8: a fresh fit each time
                    result["default"].append(set_control(page, "label noise", noise, 120))
                set_control(page, "width", "+", 300)         # 1024 -> 2048
                result["wide"].append(set_control(page, "k", "12", 300))
                for noise in ("0.6", "0.7"):
                    result["wide"].append(set_control(page, "label noise", noise, 300))
                if shots:
                    shots.mkdir(parents=True, exist_ok=True)
                    page.locator(".lutbench-widget").screenshot(path=str(shots / f"widget-{variant}.png"))
                browser.close()
        finally:
            lab.close()
    return result


def kernel_only(one_pass: bool, numba_threads: int, repeat: int = 3) -> dict:
    """The widget's fit and scores in this process (no browser): seconds, median of `repeat`."""
    import numba
    from lutlib import LutNetwork
    from lutlib.data import binarize, binary_task, load_mnist
    X, y, Xt, yt = load_mnist()
    B, Bt, t, tt = binarize(X), binarize(Xt), binary_task(y), binary_task(yt)
    numba.set_num_threads(numba_threads)
    LutNetwork(hidden=(4,), k=2).fit(B[:50], t[:50])     # compile (numba)

    def once(width, k):
        start, cpu = time.perf_counter(), time.process_time()
        net = LutNetwork(hidden=(width,) * 5, k=k, seed=0)
        if one_pass:          # the chapter's widget
            net.fit(B, t, eval_set=[(Bt, tt)])
            train, test = net.fit_scores_
            out = (train[-1]["mean"], test[-1]["mean"])
        else:
            net.fit(B, t)
            net.layer_scores(Bt, tt), net.layer_scores(B[:10_000], t[:10_000])
            out = (net.train_accuracy_, net.score(Bt, tt))
        return time.perf_counter() - start, time.process_time() - cpu, out

    res = {}
    for name, (width, k) in (("default", (1024, 8)), ("wide", (2048, 12))):
        runs = [once(width, k) for _ in range(repeat)]
        res[name] = [s for s, _, _ in runs]
        res[name + "_cpu"] = [c for _, c, _ in runs]     # CPU seconds: the work, whatever the load
        res[name + "_scores"] = runs[0][2]
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return res


def report(name: str, seconds: list[float], target: float, max_move: float | None = None):
    med = statistics.median(seconds)
    verdict = "ok" if med <= target else "OVER TARGET"
    print(f"  {name:42s} median {med:6.2f} s  (runs: {', '.join(f'{s:.2f}' for s in seconds)})"
          f"  target <= {target:.1f} s  ratio {med / target:4.2f}  {verdict}")
    if max_move is not None:
        worst = max(seconds)
        print(f"  {'':42s} slowest move {worst:.2f} s  target <= {max_move:.1f} s  "
              f"{'ok' if worst <= max_move else 'OVER TARGET'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", choices=["committed", "separate", "interactive"],
                        help="repeatable; default: committed")
    parser.add_argument("--full", action="store_true", help="run the whole chapter, not only the widget's cells")
    parser.add_argument("--no-browser", action="store_true", help="only the kernel-only figures")
    parser.add_argument("--no-kernel", action="store_true", help="skip the kernel-only figures")
    parser.add_argument("--screenshots", type=Path, help="save the widget's last figure here")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    variants = args.variant or ["committed"]
    load = os.getloadavg()[0]
    print(f"cores: {os.cpu_count()}, load average (1 min) at start: {load:.1f}")
    results = {"load_start": load, "kernel": {}, "lab": []}

    import lutlib.threads
    lutlib.threads.configure()                      # as the chapter does
    print("Kernel only (this process; the widget's fit plus its scores):")
    for mode in [] if args.no_kernel else ["one pass", "separate passes"]:
        for threads in (1, 2):
            r = kernel_only(mode == "one pass", threads)
            name = f"{mode}, {threads} thread{'s' * (threads > 1)}"
            results["kernel"][name] = {k: v for k, v in r.items() if not k.endswith("_scores")}
            report(f"{name}, 5 x 1024, k = 8", r["default"], TARGETS["default"])
            report(f"{name}, 5 x 2048, k = 12", r["wide"], TARGETS["wide"])
            print(f"  {'':42s} CPU seconds: {statistics.median(r['default_cpu']):.2f} and "
                  f"{statistics.median(r['wide_cpu']):.2f}")
            results["kernel"][name]["scores"] = r["default_scores"]
    if results["kernel"]:
        same = len({tuple(v["scores"]) for v in results["kernel"].values()}) == 1
        print(f"  the same train/test accuracy whichever way and thread count: {same}")
    if args.no_browser:
        variants = []
    elif not Path(CHROMIUM).exists():
        sys.exit(f"no Chromium at {CHROMIUM} (apt-get install chromium); --no-browser for kernel-only figures")

    for variant in variants:
        print(f"JupyterLab, variant {variant!r}: running the chapter's widget cells ...", flush=True)
        r = run_variant(variant, args.full, args.screenshots)
        r["load_after"] = os.getloadavg()[0]
        results["lab"].append(r)
        print(f"  cells ran in {r['run_s']:.0f} s; load average now {r['load_after']:.1f}")
        report("new noise level, 5 x 1024, k = 8", r["default"], TARGETS["default"], MAX_MOVE)
        report("5 x 2048, k = 12 (k, then noise)", r["wide"], TARGETS["wide"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
