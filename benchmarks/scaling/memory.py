#!/usr/bin/env python3
"""Peak resident memory per rank against the rank count (issue 13): does
a rank's memory fall as 1/P, or do the N-long arrays every rank holds
(all voltages, last firing times, thresholds, per-presynaptic receptor
state) keep it up?

    memory.py [--psst PATH] [--neurons 200000] [--indegree 100]
              [--ranks 1,2,4,8,16] [--exchanges allgather,halo]
              [--t-end 0.05] [--baseline-neurons 1000] [--fit-min-ranks 4]
              [--launcher "mpiexec -n {np}"] [--time /usr/bin/time]
              [--work DIR]

The network is the `random` one of exchange_volume.py: N hh_tutorial
neurons, one gaba_a projection A -> A of fixed in-degree k (gaba_a reads
presynaptic voltages at every stage, so the stage voltages are exchanged).
Every (ranks, exchange) runs `LAUNCHER WORK/rank_rss.sh ... psst run` for
a few steps (--t-end, ms) with PSST_EXCHANGE set: the small wrapper execs
GNU time around each rank, which writes that rank's peak RSS (getrusage
ru_maxrss, KiB) to its own file WORK/rss.HOST.PID (WORK must be visible
from every node under a cluster launcher). One rank has no exchange, so
P = 1 runs once. Oversubscribed runs are fine (memory, not time).

A second run per rank count, of the same model at --baseline-neurons
neurons (default 1000; allgather), gives the memory that does not depend on
the network (the binary, its libraries, MPI's buffers and shared-memory
segments, which grow with P); "net" is the mean per-rank RSS minus it.

Prints a Markdown table: max and mean peak RSS per rank [MiB], the
baseline and the net RSS [MiB], mean RSS x P / RSS(1) and the same for the
net RSS (1.0 when memory per rank falls as 1/P; P when every rank holds the
whole network), `psst check --ranks P`'s own estimate per rank, and, per
exchange, a least-squares fit RSS_per_rank = a + b / P of the mean (and of
the net) RSS: b is the part that is divided among the ranks, a the part
every rank holds whatever P (for the net RSS: the N-replicated arrays; also
given in bytes per neuron, a / N). It is fitted over all rank counts and
over P >= --fit-min-ranks (default 4) only: at one or two ranks the peak
can be set by a transient of the build (connectivity generation) rather
than by the arrays the run keeps, and the fit over all P then mixes both.
Exits 1 when a run fails or does not report one RSS per rank.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

WRAP = """#!/bin/sh
# one rank: GNU time writes its peak RSS [KiB] to PREFIX.HOST.PID
prefix=$1; tm=$2; shift 2
exec "$tm" -f %M -o "$prefix.$(hostname).$$" "$@"
"""


def model(n, k, t_end):
    return "\n".join([
        f"run: {{t_end: {t_end}, dt: 0.01}}            # a few steps [ms]",
        "populations:",
        f"  - {{name: A, kind: hh_tutorial, size: {n}}}",
        "projections:",
        f"  - {{name: G, synapse: gaba_a, from: A, to: A, "
        f"connect: {{fixed_indegree: {k}}}, params: {{g: 0.01}}}}"]) + "\n"


def exchange_attr(path):
    out = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True).stdout
    m = re.search(r':exchange = "([^"]*)"', out)
    return m.group(1) if m else "?"


def run(a, launcher, path, p, exchange, out, label=""):
    """Peak RSS per rank [KiB] and the exchange psst used."""
    work = os.path.dirname(out)
    wrap = os.path.join(work, "rank_rss.sh")
    prefix = os.path.join(work, "rss")
    for f in glob.glob(prefix + ".*"):
        os.remove(f)
    cmd = (launcher.format(np=p).split() + [wrap, prefix, a.time, a.psst, "run",
                                            path, "-o", out, "--force", "--quiet"])
    env = dict(os.environ, PSST_EXCHANGE=exchange)
    t0 = time.time()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    rss = []
    for f in glob.glob(prefix + ".*"):
        with open(f) as fh:
            m = re.search(r"^(\d+)$", fh.read(), re.M)
        if m:
            rss.append(int(m.group(1)))
        os.remove(f)
    if r.returncode != 0 or len(rss) != p:
        print(" ".join(cmd))
        print(r.stdout + r.stderr)
        print(f"memory.py: run failed (rc {r.returncode}, {len(rss)} RSS lines for "
              f"{p} ranks)", file=sys.stderr)
        sys.exit(1)
    used = exchange_attr(out) if shutil.which("ncdump") else "?"
    os.remove(out)
    print(f"  P = {p:2d} {exchange:9s}{label}: {time.time() - t0:5.1f} s, max "
          f"{max(rss) / 1024:.1f} MiB, exchange {used}", file=sys.stderr)
    return rss, used


def check_estimate(a, path, p):
    """psst check's memory estimate per rank [MiB], or None."""
    r = subprocess.run([a.psst, "check", path, "--ranks", str(p)],
                       capture_output=True, text=True)
    m = re.search(r"about ([0-9.]+) MiB", r.stdout)
    return float(m.group(1)) if m else None


def fit(ps, ys):
    """Least squares y = a + b / P: (a, b)."""
    xs = [1.0 / p for p in ps]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return my, 0.0
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--psst", default=os.path.join(here, "../../build/psst"))
    ap.add_argument("--neurons", type=int, default=200000)
    ap.add_argument("--indegree", type=int, default=100)
    ap.add_argument("--ranks", default="1,2,4,8,16")
    ap.add_argument("--exchanges", default="allgather,halo")
    ap.add_argument("--t-end", type=float, default=0.05, help="model time [ms]")
    ap.add_argument("--baseline-neurons", type=int, default=1000)
    ap.add_argument("--fit-min-ranks", type=int, default=4,
                    help="second fit over the rank counts >= this")
    ap.add_argument("--launcher", default=None)
    ap.add_argument("--time", default="/usr/bin/time", help="GNU time")
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    if not os.access(a.psst, os.X_OK):
        sys.exit(f"memory.py: no psst at {a.psst}")
    if not os.access(a.time, os.X_OK):
        sys.exit(f"memory.py: no GNU time at {a.time}")
    launcher = a.launcher or ("mpiexec --oversubscribe" +
                              (" --allow-run-as-root" if os.geteuid() == 0 else "") +
                              " -n {np}")
    ranks = sorted(int(x) for x in a.ranks.split(","))
    exchanges = a.exchanges.split(",")
    work = a.work or tempfile.mkdtemp(prefix="psst_mem_")
    os.makedirs(work, exist_ok=True)
    N, k = a.neurons, a.indegree
    big = os.path.join(work, "memory.yaml")
    small = os.path.join(work, "baseline.yaml")
    with open(big, "w") as f:
        f.write(model(N, k, a.t_end))
    with open(small, "w") as f:
        f.write(model(a.baseline_neurons, min(k, a.baseline_neurons), a.t_end))
    out = os.path.join(work, "out.nc")
    with open(os.path.join(work, "rank_rss.sh"), "w") as f:
        f.write(WRAP)
    os.chmod(os.path.join(work, "rank_rss.sh"), 0o755)

    base, est, res = {}, {}, {}
    for p in ranks:
        rss, _ = run(a, launcher, small, p, "allgather", out, " (baseline)")
        base[p] = sum(rss) / len(rss)
        est[p] = check_estimate(a, big, p)
        for ex in exchanges:
            if p == 1 and res.get((1, exchanges[0])):
                res[(1, ex)] = res[(1, exchanges[0])]   # one rank: no exchange
                continue
            res[(p, ex)] = run(a, launcher, big, p, ex, out)

    sys.stderr.flush()
    mib = 1.0 / 1024
    p1 = ranks[0]
    print(f"\nN = {N} hh_tutorial, gaba_a fixed in-degree {k} (random sources), "
          f"{N * k:.3g} synapses; {a.t_end:g} ms; baseline: the same model at "
          f"{a.baseline_neurons} neurons. Peak RSS per rank in MiB (GNU time %M).\n")
    print(f"| ranks | exchange (used) | max | mean | baseline | net = mean - baseline "
          f"| mean x P / mean(P={p1}) | net x P / net(P={p1}) | psst check estimate |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    fits = {}
    for ex in exchanges:
        m1 = sum(res[(p1, ex)][0]) / p1
        n1 = m1 - base[p1]
        ps, means, nets = [], [], []
        for p in ranks:
            rss, used = res[(p, ex)]
            mean = sum(rss) / p
            net = mean - base[p]
            ps.append(p)
            means.append(mean * mib)
            nets.append(net * mib)
            e = f"{est[p]:.1f}" if est[p] is not None else "-"
            print(f"| {p} | {ex} ({used}) | {max(rss) * mib:.1f} | {mean * mib:.1f} | "
                  f"{base[p] * mib:.1f} | {net * mib:.1f} | "
                  f"{mean * p / (m1 * p1):.2f} | {net * p / (n1 * p1):.2f} | {e} |")
        fits[ex] = (ps, means, nets)
    print("\nFit RSS_per_rank = a + b / P (MiB): a is held by every rank whatever "
          "P, b is divided among the ranks; over all rank counts, and over "
          f"P >= {a.fit_min_ranks} only (at small P the peak can be a transient of "
          "the build, above the steady state).\n")
    print("| exchange | fitted over | mean RSS: a | mean RSS: b | net RSS: a | net RSS: b "
          "| net a per neuron (B) | net fit: largest residual |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for ex in exchanges:
        ps, means, nets = fits[ex]
        lows = [ps[0]] + ([a.fit_min_ranks] if a.fit_min_ranks > ps[0] else [])
        for lo in lows:
            sel = [i for i, q in enumerate(ps) if q >= lo]
            if len(sel) < 2:
                continue
            qs = [ps[i] for i in sel]
            am, bm = fit(qs, [means[i] for i in sel])
            an, bn = fit(qs, [nets[i] for i in sel])
            rn = max(abs(nets[i] - (an + bn / ps[i])) for i in sel)
            print(f"| {ex} | P = {qs[0]}-{qs[-1]} | {am:.1f} | {bm:.1f} | {an:.1f} | "
                  f"{bn:.1f} | {an * 1024 * 1024 / N:.0f} | {rn:.1f} |")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
