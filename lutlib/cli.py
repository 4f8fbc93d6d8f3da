"""The `lutlib` command: fetch and inspect data, reproduce the paper's tables.

    lutlib data fetch [--dataset mnist|fashion-mnist|all] [--folder F] [--deadline S] [--json]
    lutlib data info  [--dataset mnist|fashion-mnist|all] [--folder F] [--json]
    lutlib reproduce exp1|table2|pca [--seed N] [--backend B] [--k K ...] [--json]
    lutlib --version

Exit status: 0 success; 1 the command ran and failed (data missing, corrupt or unreadable, a
download failed); 2 the command line is wrong (unknown command, bad value, an option that does
not apply); 130 interrupted (Ctrl-C). Output cut short by the reader (``| head``) is not an error;
a closed standard output (``>&-``) is, reported before anything is done.

>>> build_parser().parse_args(["reproduce", "table2", "--k", "2", "4"]).k
[2, 4]
"""
import argparse
import json
import os
import sys
import time

from . import __version__, fetch, threads
from ._validation import MAX_K

DATASETS = ("mnist", "fashion-mnist")
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: The experiments that take --k (Experiment 1 is defined with k=8).
TAKES_K = ("table2", "pca")


def _datasets(choice):
    return DATASETS if choice == "all" else (choice,)


def _report(dataset, folder, download, progress=False, deadline=None):
    """Locate `dataset` and verify its four files: a dict with ok, folder, files or error."""
    try:
        where = fetch.locate(dataset, folder=folder, download=download, progress=progress, deadline=deadline)
    except (OSError, ValueError) as e:  # not found, download failed, cache not writable
        return {"dataset": dataset, "ok": False, "error": str(e)}
    files = fetch.check_folder(where, dataset)
    return {"dataset": dataset, "folder": str(where), "ok": all(f["ok"] for f in files), "files": files}


def _print_report(r):
    print(f"{r['dataset']}: {'OK' if r['ok'] else 'PROBLEM'} {r.get('folder', r.get('error', ''))}")
    for f in r.get("files", []):
        detail = "x".join(map(str, f["shape"])) if "shape" in f else ""
        status = "sha256 ok" if f["ok"] else f.get("error", "")
        label = os.path.basename(f["file"]) if f["file"] else f["name"]
        print(f"  {label:32s} {detail:14s} {status}")


def cmd_data_fetch(args):
    reports = []
    for dataset in _datasets(args.dataset):
        r = _report(dataset, args.folder, download=True, progress=not args.json, deadline=args.deadline)
        reports.append(r)
        if args.json:
            continue
        if r["ok"]:
            print(f"{dataset}: ready in {r['folder']} (4 files, SHA-256 verified)")
        else:
            bad = [f"{f['name']}: {f['error']}" for f in r.get("files", []) if not f["ok"]]
            detail = r.get("error") or f"{r['folder']} has bad files:\n  " + "\n  ".join(bad)
            print(f"lutlib: error: {dataset}: {detail}", file=sys.stderr)
    if args.json:
        print(json.dumps(reports, indent=2))
    return EXIT_OK if all(r["ok"] for r in reports) else EXIT_FAILED


def cmd_data_info(args):
    reports = [_report(dataset, args.folder, download=False) for dataset in _datasets(args.dataset)]
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        for r in reports:
            _print_report(r)
    return EXIT_OK if all(r["ok"] for r in reports) else EXIT_FAILED


def format_table2(r):
    """The text table of `lutlib reproduce table2`: ours and (the paper's) for each k."""
    p = r["paper"]
    lines = ["   k | real train (paper) | real test (paper) | random train (paper) | random test",
             "-" * 82]
    for i, k in enumerate(r["k"]):
        j = p["k"].index(k) if k in p["k"] else None

        def both(key):
            ours = f"{r[key][i]:.3f}"
            return f"{ours} ({p[key][j]:.2f})" if j is not None else f"{ours} (  - )"
        lines.append(f"{k:4d} | {both('real_train'):>18s} | {both('real_test'):>17s} | "
                     f"{both('random_train'):>20s} | {r['random_test'][i]:.3f}")
    return "\n".join(lines)


def cmd_reproduce(args):
    from . import experiments
    quiet = args.json
    start = time.perf_counter()
    data = experiments.binary_mnist() if args.what in ("exp1", "table2") else None
    if args.what == "exp1":
        r = experiments.experiment1(data, seed=args.seed, backend=args.backend)
        r.pop("network")
        text = (f"Experiment 1: 5 hidden layers x 1024 luts, k=8, MNIST 0-4 vs 5-9\n"
                f"            ours    paper\n  train    {r['train']:.4f}   {r['paper']['train']:.2f}\n"
                f"  test     {r['test']:.4f}   {r['paper']['test']:.2f}\n"
                f"  fit time {r['fit_seconds']:.2f} s\n  test accuracy by layer (mean ± sd over luts):\n" +
                "\n".join(f"    {str(l['layer']):>6s}: {l['mean']:.4f} ± {l['sd']:.4f}" for l in r["layers"]))
    elif args.what == "table2":
        ks = args.k or experiments.PAPER["table2"]["k"]
        r = experiments.table2(data, ks=ks, seed=args.seed, backend=args.backend, progress=not quiet)
        text = "Table 2: 5 hidden layers x 1024 luts, MNIST 0-4 vs 5-9; ours (paper)\n" + format_table2(r)
    else:
        kw = {"ks": args.k} if args.k else {}
        r = experiments.pca_sweep(seed=args.seed, progress=not quiet, **kw)
        text = "A single lut on k PCA bits, MNIST 0-4 vs 5-9\n   k | train | test  | unseen test patterns\n" + "\n".join(
            f"{k:4d} | {a:.3f} | {b:.3f} | {u:.3f}" for k, a, b, u in zip(r["k"], r["train"], r["test"], r["unseen_test"]))
    r["seconds"] = time.perf_counter() - start
    print(json.dumps(r, indent=2) if args.json else text + f"\n({r['seconds']:.1f} s in all)")
    return EXIT_OK


def _k_value(text):
    """argparse type for --k: an integer from 1 to MAX_K."""
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if not 1 <= k <= MAX_K:
        raise argparse.ArgumentTypeError(f"k must be between 1 and {MAX_K}; got {k}")
    return k


def _seconds(text):
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"must be positive; got {text}")
    return seconds


def build_parser():
    parser = argparse.ArgumentParser(
        prog="lutlib", description="Lookup-table networks that learn by memorizing.",
        epilog="exit status: 0 ok, 1 failed while running, 2 bad command line, 130 interrupted")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser("data", help="fetch or inspect MNIST / Fashion-MNIST")
    data_sub = data.add_subparsers(dest="action", required=True)
    for name, func, default, what in (("fetch", cmd_data_fetch, "mnist", "fetch (if needed) and verify"),
                                      ("info", cmd_data_info, "all", "show where they are and verify (changes nothing)")):
        p = data_sub.add_parser(name, help=f"{what} the data sets")
        p.add_argument("--dataset", choices=DATASETS + ("all",), default=default)
        p.add_argument("--folder", help=f"a folder with the IDX files (default: ${fetch.ENV_VAR}, then the cache)")
        if name == "fetch":
            p.add_argument("--deadline", type=_seconds, default=None, metavar="SECONDS",
                           help=f"give up on a source after this long in all (default {fetch.DEADLINE_SECONDS:g})")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
    rep = sub.add_parser("reproduce", help="reproduce a table of Chatterjee (2018)")
    rep.add_argument("what", choices=("exp1", "table2", "pca"))
    rep.add_argument("--seed", type=int, default=0)
    rep.add_argument("--backend", choices=("auto", "numba", "numpy"), default="auto")
    rep.add_argument("--k", type=_k_value, nargs="+",
                     help="table2 and pca only: the values of k (default: table2 2 4 ... 16, pca 2 ... 20)")
    rep.add_argument("--json", action="store_true", help="machine-readable output")
    rep.set_defaults(func=cmd_reproduce)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status (see the module docstring)."""
    if sys.stdout is None:  # `lutlib ... >&-`: Python found no file descriptor 1
        _hold_closed_stdout()
        print("lutlib: error: standard output is closed, so nothing was done; to discard the output, "
              "redirect it instead (>/dev/null)", file=sys.stderr)
        return EXIT_FAILED
    try:
        parser = build_parser()
        args = parser.parse_args(argv)  # a usage error exits with status 2
        if getattr(args, "k", None) and args.what not in TAKES_K:
            parser.error(f"--k applies only to {' and '.join(TAKES_K)}; {args.what} is defined with k=8")
        threads.configure()  # as the chapters do: one BLAS thread, idle numba threads sleep
        status = args.func(args)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler below
        return status
    except SystemExit as e:  # argparse: --help, --version (0) and usage errors (2)
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        print("lutlib: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `lutlib data info --json | head -1`: the reader stopped, not an error
        _silence_stdout()
        return EXIT_OK
    except (OSError, ValueError, MemoryError) as e:  # includes DataFileError, ConnectionError, TimeoutError
        print(f"lutlib: error: {e}", file=sys.stderr)
        return EXIT_FAILED


def _hold_closed_stdout():
    """Put /dev/null on the closed descriptor 1, so that no file opened later takes its place."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        if fd != 1:
            os.dup2(fd, 1)
            os.close(fd)
    except OSError:
        pass


def _silence_stdout():
    """Point stdout at /dev/null, so that Python's final flush into a closed pipe says nothing."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (tests)
        pass
