#!/usr/bin/env python3
"""psst strong / weak scaling driver (benchmarks/README.md, "Scaling").

    scaling.py --mode strong|weak --model MODEL.yaml --ranks 1,2,4
               [--neurons N]            (strong; default: the model's size)
               [--neurons-per-rank K]   (weak: N = K x ranks)
               --t-end MS --repeats R
               [--launcher "mpiexec -n {np}"] [--psst PATH] -o DIR

Runs `LAUNCHER psst run MODEL -o OUT --t-end MS --quiet --force
[--neurons N]` for every (repeat, ranks) pair (repeats outermost, so slow
drift of the machine spreads over all rank counts), reads the per-phase
wall times from the output file's global attributes (wall_setup_s,
wall_compute_s, wall_exchange_s, wall_output_s: the slowest rank's) and the
launcher's elapsed time, and writes DIR/scaling.csv plus four PNGs:
DIR/time_per_model_s.png, DIR/speedup.png, DIR/efficiency.png,
DIR/phases.png.

Definitions (columns of scaling.csv):
  loop_s        compute + exchange + output (the step loop; excludes MPI
                start-up, setup and closing the file)
  wall_s        the launcher's elapsed time for the whole run
  s_per_model_s loop_s / (t_end / 1000)
  speedup       strong: loop_s(P0) / loop_s(P);  weak (scaled speed-up):
                (N(P) / N(P0)) * loop_s(P0) / loop_s(P)
  efficiency    speedup * P0 / P  (weak: loop_s(P0) / loop_s(P))
  *_wall        the same from wall_s
  *_syn         weak only: the same with the synapse ratio S(P)/S(P0) in
                place of N(P)/N(P0) (for models whose synapses grow faster
                than N, e.g. dense coupling, where work per rank grows ~P)
  load1_max     the highest 1-minute load average seen after a run of this
                row (timings mean little when it exceeds the core count)
P0 is the smallest rank count in --ranks. Every median is taken over the
repeats, separately per column.

Exit status: 0 success; 2 bad arguments, missing model or psst; 1 a run
failed (its output is printed).
"""
import argparse
import csv
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PHASES = ("setup", "compute", "exchange", "output")


def die(msg, code=2):
    print(f"scaling.py: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_ranks(text):
    try:
        ranks = [int(x) for x in text.split(",") if x.strip() != ""]
    except ValueError:
        die(f"bad --ranks '{text}': want a comma-separated list of positive integers, e.g. 1,2,4")
    if not ranks or any(r < 1 for r in ranks):
        die(f"bad --ranks '{text}': want a comma-separated list of positive integers, e.g. 1,2,4")
    if len(set(ranks)) != len(ranks):
        die(f"bad --ranks '{text}': a rank count appears twice")
    return sorted(ranks)


def default_launcher():
    base = "mpiexec --oversubscribe"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        base += " --allow-run-as-root"
    return base + " -n {np}"


def find_psst(given):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    cands = [given] if given else [os.path.join(root, "build", "psst"), shutil.which("psst")]
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    if given:
        die(f"psst executable '{given}' not found or not executable")
    die("psst executable not found (looked for build/psst and psst on PATH); pass --psst PATH")


def model_info(path):
    """(share_sized, network.neurons or None) from the YAML text."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        import yaml  # noqa: PLC0415
        doc = yaml.safe_load(text) or {}
        pops = doc.get("populations") or []
        shared = any(isinstance(p, dict) and "share" in p for p in pops)
        net = doc.get("network") or {}
        n = net.get("neurons") if isinstance(net, dict) else None
        return shared, (int(n) if n is not None else None)
    except ImportError:
        shared = re.search(r"^\s*share\s*:", text, re.M) is not None
        m = re.search(r"neurons\s*:\s*(\d+)", text.split("populations", 1)[0])
        return shared, (int(m.group(1)) if m else None)


def psst_check(psst, model, ranks, neurons):
    """(neurons, synapses) as `psst check` reports them."""
    cmd = [psst, "check", model, "--ranks", str(ranks)]
    if neurons is not None:
        cmd += ["--neurons", str(neurons)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        die(f"`{' '.join(cmd)}` failed:\n{p.stdout}{p.stderr}", 1)
    out = p.stdout
    n = s = None
    m = re.search(r"^neurons\s+(\d+)", out, re.M)
    if m:
        n = int(m.group(1))
    m = re.search(r"^synapses\s+(\d+)", out, re.M)
    if m:
        s = int(m.group(1))
    return n, s, out


def read_attrs(path):
    names = [f"wall_{p}_s" for p in PHASES] + ["steps", "neurons", "mpi_ranks"]
    try:
        import netCDF4  # noqa: PLC0415
        with netCDF4.Dataset(path) as ds:
            return {k: float(ds.getncattr(k)) for k in names if k in ds.ncattrs()}
    except ImportError:
        pass
    ncdump = shutil.which("ncdump")
    if not ncdump:
        die("need the netCDF4 Python module or ncdump to read the output attributes")
    txt = subprocess.run([ncdump, "-h", path], capture_output=True, text=True, check=True).stdout
    res = {}
    for k in names:
        m = re.search(rf"^\s*:{k} = ([-+0-9.eE]+)", txt, re.M)
        if m:
            res[k] = float(m.group(1))
    return res


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", required=True, choices=("strong", "weak"))
    ap.add_argument("--model", required=True)
    ap.add_argument("--ranks", required=True, help="comma-separated rank counts, e.g. 1,2,4")
    ap.add_argument("--neurons", type=int, help="strong: network size (share-sized models)")
    ap.add_argument("--neurons-per-rank", type=int, help="weak: neurons per rank")
    ap.add_argument("--t-end", type=float, required=True, help="model time per run, ms")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--launcher", default=None,
                    help="launch command with {np} for the rank count "
                         "(default: mpiexec --oversubscribe [--allow-run-as-root] -n {np})")
    ap.add_argument("--psst", default=None, help="psst executable (default: build/psst)")
    ap.add_argument("-o", "--outdir", required=True)
    a = ap.parse_args()

    ranks = parse_ranks(a.ranks)
    if not os.path.isfile(a.model):
        die(f"model '{a.model}' not found")
    model = os.path.abspath(a.model)
    psst = find_psst(a.psst)
    if a.repeats < 1:
        die("--repeats must be >= 1")
    if a.t_end <= 0:
        die("--t-end must be > 0")
    launcher = a.launcher or default_launcher()
    if "{np}" not in launcher:
        die(f"--launcher '{launcher}' has no {{np}} placeholder for the rank count")
    launch_exe = shlex.split(launcher)[0]
    if not shutil.which(launch_exe):
        die(f"launcher '{launch_exe}' not found")

    shared, model_n = model_info(model)
    sizes = {}
    if a.mode == "strong":
        if a.neurons_per_rank is not None:
            die("--neurons-per-rank is for --mode weak")
        if a.neurons is not None and not shared:
            die("--neurons needs a model whose populations are sized by 'share'")
        n = a.neurons if a.neurons is not None else (model_n if shared else None)
        if n is not None and n < 1:
            die("--neurons must be >= 1")
        for p in ranks:
            sizes[p] = n
    else:
        if a.neurons is not None:
            die("--neurons is for --mode strong; weak uses --neurons-per-rank")
        if a.neurons_per_rank is None or a.neurons_per_rank < 1:
            die("--mode weak needs --neurons-per-rank K >= 1")
        if not shared:
            die("--mode weak needs a model whose populations are sized by 'share' (network.neurons)")
        for p in ranks:
            sizes[p] = a.neurons_per_rank * p

    os.makedirs(a.outdir, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")

    # sizes and synapse counts from psst check (also validates the model)
    info = {}
    for p in ranks:
        n, s, _ = psst_check(psst, model, p, sizes[p])
        info[p] = (sizes[p] if sizes[p] is not None else n, s)

    runs = {p: [] for p in ranks}
    tmp = tempfile.mkdtemp(prefix="psst-scaling-")
    try:
        for rep in range(a.repeats):
            for p in ranks:
                out = os.path.join(tmp, f"run_{p}_{rep}.nc")
                cmd = shlex.split(launcher.replace("{np}", str(p))) + [
                    psst, "run", model, "-o", out, "--t-end", f"{a.t_end:g}", "--quiet", "--force"]
                if sizes[p] is not None:
                    cmd += ["--neurons", str(sizes[p])]
                t0 = time.perf_counter()
                pr = subprocess.run(cmd, capture_output=True, text=True, env=env)
                wall = time.perf_counter() - t0
                if pr.returncode != 0:
                    print(f"scaling.py: run failed (exit {pr.returncode}): {' '.join(cmd)}\n"
                          f"{pr.stdout}{pr.stderr}", file=sys.stderr)
                    sys.exit(1)
                at = read_attrs(out)
                os.remove(out)
                missing = [f"wall_{ph}_s" for ph in PHASES if f"wall_{ph}_s" not in at]
                if missing:
                    die(f"{out}: missing attributes {missing}", 1)
                at["wall"] = wall
                at["load1"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
                runs[p].append(at)
                print(f"[{a.mode}] repeat {rep + 1}/{a.repeats} ranks {p} "
                      f"neurons {info[p][0]}: wall {wall:.2f} s, compute {at['wall_compute_s']:.2f}, "
                      f"exchange {at['wall_exchange_s']:.2f}, output {at['wall_output_s']:.2f}",
                      flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rows = []
    for p in ranks:
        rs = runs[p]
        med = {ph: median([r[f"wall_{ph}_s"] for r in rs]) for ph in PHASES}
        loop = median([r["wall_compute_s"] + r["wall_exchange_s"] + r["wall_output_s"] for r in rs])
        steps = int(rs[0].get("steps", 0))
        neurons = int(rs[0].get("neurons", info[p][0] or 0))
        rows.append({
            "mode": a.mode, "ranks": p, "neurons": neurons,
            "synapses": info[p][1] if info[p][1] is not None else "",
            "t_end_ms": f"{a.t_end:g}", "steps": steps, "repeats": a.repeats,
            "wall_s": median([r["wall"] for r in rs]),
            "wall_min_s": min(r["wall"] for r in rs),
            "loop_s": loop,
            "setup_s": med["setup"], "compute_s": med["compute"],
            "exchange_s": med["exchange"], "output_s": med["output"],
            "s_per_model_s": loop / (a.t_end / 1000.0),
            "wall_per_model_s": median([r["wall"] for r in rs]) / (a.t_end / 1000.0),
            "load1_max": max(r["load1"] for r in rs),
        })
    b = rows[0]
    for r in rows:
        scale = (r["neurons"] / b["neurons"]) if (a.mode == "weak" and b["neurons"]) else 1.0
        for key, suf in (("loop_s", ""), ("wall_s", "_wall")):
            sp = scale * b[key] / r[key] if r[key] > 0 else float("nan")
            r["speedup" + suf] = sp
            r["efficiency" + suf] = sp * b["ranks"] / r["ranks"]
        # weak scaling by synapses: the right yardstick when synapses grow
        # faster than N (dense coupling: S ~ N^2, so work per rank ~ P)
        if a.mode == "weak" and b["synapses"] and r["synapses"] and r["loop_s"] > 0:
            sp = (r["synapses"] / b["synapses"]) * b["loop_s"] / r["loop_s"]
            r["speedup_syn"], r["efficiency_syn"] = sp, sp * b["ranks"] / r["ranks"]
        else:
            r["speedup_syn"] = r["efficiency_syn"] = ""

    cols = ["mode", "ranks", "neurons", "synapses", "t_end_ms", "steps", "repeats",
            "wall_s", "wall_min_s", "loop_s", "setup_s", "compute_s", "exchange_s", "output_s",
            "s_per_model_s", "wall_per_model_s", "speedup", "efficiency",
            "speedup_wall", "efficiency_wall", "speedup_syn", "efficiency_syn", "load1_max"]
    csv_path = os.path.join(a.outdir, "scaling.csv")
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
    print(f"wrote {csv_path}")
    hdr = f"{'ranks':>5} {'neurons':>8} {'synapses':>10} {'wall s':>8} {'loop s':>8} " \
          f"{'comp':>7} {'exch':>7} {'out':>6} {'s/model s':>10} {'speedup':>8} {'eff':>6}"
    print(hdr)
    for r in rows:
        print(f"{r['ranks']:>5} {r['neurons']:>8} {r['synapses']!s:>10} {r['wall_s']:8.2f} "
              f"{r['loop_s']:8.2f} {r['compute_s']:7.2f} {r['exchange_s']:7.2f} {r['output_s']:6.2f} "
              f"{r['s_per_model_s']:10.1f} {r['speedup']:8.2f} {r['efficiency']:6.2f}")
    plot(rows, a, a.outdir)


def plot(rows, a, outdir):
    try:
        import matplotlib  # noqa: PLC0415
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        print("scaling.py: matplotlib not available; no PNGs written", file=sys.stderr)
        return
    P = [r["ranks"] for r in rows]
    p0 = P[0]
    if a.mode == "strong":
        size = f"N = {rows[0]['neurons']}"
    else:
        size = f"{a.neurons_per_rank} neurons / rank"
    title = f"{a.mode} scaling, {os.path.basename(a.model)}, {size}, {a.t_end:g} ms"
    kw = dict(figsize=(5, 3.6), dpi=80)

    def finish(fig, ax, name, ylabel):
        ax.set_xlabel("MPI ranks")
        ax.set_ylabel(ylabel)
        ax.set_xticks(P)
        ax.set_title(title, fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = os.path.join(outdir, name)
        fig.savefig(path)
        plt.close(fig)
        print(f"wrote {path}")

    fig, ax = plt.subplots(**kw)
    ax.plot(P, [r["s_per_model_s"] for r in rows], "o-", label="step loop (compute+exchange+output)")
    ax.plot(P, [r["wall_per_model_s"] for r in rows], "s--", label="whole run (launcher wall)")
    ax.set_ylim(bottom=0)
    finish(fig, ax, "time_per_model_s.png", "wall seconds per model second")

    fig, ax = plt.subplots(**kw)
    ideal = [p / p0 for p in P]
    ax.plot(P, ideal, "k:", label="ideal")
    ax.plot(P, [r["speedup"] for r in rows], "o-", label="step loop")
    ax.plot(P, [r["speedup_wall"] for r in rows], "s--", label="whole run")
    if a.mode == "weak" and all(r["speedup_syn"] != "" for r in rows):
        ax.plot(P, [r["speedup_syn"] for r in rows], "^-.", label="step loop, by synapses")
    ax.set_ylim(bottom=0)
    finish(fig, ax, "speedup.png",
           "speed-up" if a.mode == "strong" else "scaled speed-up (N(P)/N(P0) x T(P0)/T(P))")

    fig, ax = plt.subplots(**kw)
    ax.axhline(1.0, color="k", ls=":", label="ideal")
    ax.plot(P, [r["efficiency"] for r in rows], "o-", label="step loop")
    ax.plot(P, [r["efficiency_wall"] for r in rows], "s--", label="whole run")
    effs = [r["efficiency"] for r in rows]
    if a.mode == "weak" and all(r["efficiency_syn"] != "" for r in rows):
        ax.plot(P, [r["efficiency_syn"] for r in rows], "^-.", label="step loop, by synapses")
        effs += [r["efficiency_syn"] for r in rows]
    ax.set_ylim(0, max(1.1, max(effs) * 1.05))
    finish(fig, ax, "efficiency.png", "parallel efficiency")

    fig, ax = plt.subplots(**kw)
    x = list(range(len(P)))
    bottom = [0.0] * len(P)
    for key, col in (("compute_s", "tab:blue"), ("exchange_s", "tab:orange"), ("output_s", "tab:green")):
        v = [r[key] for r in rows]
        ax.bar(x, v, bottom=bottom, color=col, label=key[:-2])
        bottom = [b + y for b, y in zip(bottom, v)]
    ax.set_xticks(x)
    ax.set_xticklabels([str(p) for p in P])
    ax.set_xlabel("MPI ranks")
    ax.set_ylabel("seconds (median; slowest rank per phase)")
    ax.set_title(title, fontsize=8)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    path = os.path.join(outdir, "phases.png")
    fig.savefig(path)
    plt.close(fig)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
