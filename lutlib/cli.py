"""The `lutlib` command: fetch and inspect data, reproduce the paper's tables.

    lutlib data fetch [--dataset mnist|fashion-mnist|all]
    lutlib data info
    lutlib reproduce exp1|table2|pca [--seed N] [--backend B] [--json]
"""
import argparse
import json
import os
import sys
import time

from . import fetch
from .idx import FILES, DataFileError, read_bytes, sha256_ok, parse_idx

DATASETS = ("mnist", "fashion-mnist")


def _datasets(choice):
    return DATASETS if choice == "all" else (choice,)


def cmd_data_fetch(args):
    for dataset in _datasets(args.dataset):
        where = fetch.locate(dataset, folder=args.folder, progress=not args.json)
        print(f"{dataset}: ready in {where}")
    return 0


def cmd_data_info(args):
    report, status = [], 0
    for dataset in _datasets(args.dataset):
        try:
            where = fetch.locate(dataset, folder=args.folder, download=False)
        except FileNotFoundError as e:
            report.append({"dataset": dataset, "ok": False, "error": str(e)})
            status = 1
            continue
        files = []
        for name in FILES:
            path = fetch.find_file(where, name)
            try:
                data = read_bytes(path)
                shape = parse_idx(data, str(path)).shape
                files.append({"file": str(path), "shape": list(shape), "sha256_ok": sha256_ok(data, dataset, name)})
            except DataFileError as e:
                files.append({"file": str(path), "error": str(e), "sha256_ok": False})
        ok = all(f["sha256_ok"] for f in files)
        status |= not ok
        report.append({"dataset": dataset, "folder": str(where), "ok": ok, "files": files})
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for r in report:
            print(f"{r['dataset']}: {'OK' if r['ok'] else 'PROBLEM'} {r.get('folder', r.get('error', ''))}")
            for f in r.get("files", []):
                detail = "x".join(map(str, f["shape"])) if "shape" in f else f["error"]
                print(f"  {os.path.basename(f['file']):32s} {detail:14s} sha256 {'ok' if f['sha256_ok'] else 'MISMATCH'}")
    return status


def _fmt_table2(r):
    p = r["paper"]
    lines = ["   k | real train (paper) | real test (paper) | random train (paper) | random test",
             "-" * 82]
    for i, k in enumerate(r["k"]):
        j = p["k"].index(k) if k in p["k"] else None
        def both(key):
            ours = f"{r[key][i]:.3f}"
            return f"{ours} ({p[key][j]:.2f})" if j is not None else f"{ours}  (  - )"
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
        text = "Table 2: 5 hidden layers x 1024 luts, MNIST 0-4 vs 5-9; ours (paper)\n" + _fmt_table2(r)
    else:
        r = experiments.pca_sweep(seed=args.seed, progress=not quiet)
        text = "A single lut on k PCA bits, MNIST 0-4 vs 5-9\n   k | train | test  | unseen test patterns\n" + "\n".join(
            f"{k:4d} | {a:.3f} | {b:.3f} | {u:.3f}" for k, a, b, u in zip(r["k"], r["train"], r["test"], r["unseen_test"]))
    r["seconds"] = time.perf_counter() - start
    print(json.dumps(r, indent=2) if args.json else text + f"\n({r['seconds']:.1f} s in all)")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="lutlib", description="Lookup-table networks that learn by memorizing.")
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser("data", help="fetch or inspect MNIST / Fashion-MNIST")
    data_sub = data.add_subparsers(dest="action", required=True)
    for name, func, default in (("fetch", cmd_data_fetch, "mnist"), ("info", cmd_data_info, "all")):
        p = data_sub.add_parser(name, help=f"{name} the data sets")
        p.add_argument("--dataset", choices=DATASETS + ("all",), default=default)
        p.add_argument("--folder", help=f"a folder with the IDX files (default: ${fetch.ENV_VAR}, then the cache)")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
    rep = sub.add_parser("reproduce", help="reproduce a table of Chatterjee (2018)")
    rep.add_argument("what", choices=("exp1", "table2", "pca"))
    rep.add_argument("--seed", type=int, default=0)
    rep.add_argument("--backend", choices=("auto", "numba", "numpy"), default="auto")
    rep.add_argument("--k", type=int, nargs="+", help="table2 only: the values of k (default 2 4 ... 16)")
    rep.add_argument("--json", action="store_true", help="machine-readable output")
    rep.set_defaults(func=cmd_reproduce)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ConnectionError, DataFileError, ValueError, MemoryError) as e:
        print(f"lutlib: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `lutlib reproduce exp1 --json | head`
        sys.stderr.close()
        return 0
