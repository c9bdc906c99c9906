#!/usr/bin/env python3
"""Fit T(N, P) = alpha*log2(P) + (P-1)/P * 8N / beta to allgatherv_bench CSV.

    fit.py results/allgatherv.csv -o results/

The fit is a linear least-squares fit in (alpha, 1/beta) of the relative
error, once on the medians and once on the minima, (each row divided by the measured median), per P > 1, so small and
large messages weigh alike. Also reported: beta of each large-N point alone
(T - alpha), which shows the in-cache versus memory-bound bandwidth.
Writes OUT/fit.txt and OUT/allgatherv.png.
"""
import argparse
import csv
import math
import os

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("-o", "--outdir", default=".")
    a = ap.parse_args()
    rows = list(csv.DictReader(open(a.csv, encoding="utf-8")))
    by_p = {}
    for r in rows:
        by_p.setdefault(int(r["P"]), []).append((int(r["N"]), float(r["median_us"]) * 1e-6,
                                                 float(r["min_us"]) * 1e-6))
    lines = []
    fits = {}
    for p in sorted(by_p):
        pts = sorted(by_p[p])
        if p == 1:
            lines.append(f"P=1: in-place Allgatherv is a no-op, median {pts[0][1] * 1e9:.0f} ns for every N")
            continue
        x1 = math.log2(p)
        A = np.array([[x1, (p - 1) / p * 8 * n] for n, _, _ in pts])
        for col, label in ((1, "median"), (2, "min")):
            T = np.array([pt[col] for pt in pts])
            sol, *_ = np.linalg.lstsq(A / T[:, None], np.ones_like(T), rcond=None)
            alpha, beta = sol[0], 1 / sol[1]
            if col == 1:
                fits[p] = (alpha, beta)
            lines.append(f"P={p} ({label}): alpha = {alpha * 1e6:.2f} us (log2 P = {x1:g}, so "
                         f"{alpha * x1 * 1e6:.2f} us latency term), beta = {beta / 1e9:.2f} GB/s "
                         f"(relative least squares, all N)")
        alpha, beta = fits[p]
        for n, t, tmin in pts:
            model = alpha * x1 + (p - 1) / p * 8 * n / beta
            bpt = (p - 1) / p * 8 * n / max(t - alpha * x1, 1e-12)
            bmin = (p - 1) / p * 8 * n / max(tmin - alpha * x1, 1e-12)
            pb = f"{bpt / 1e9:6.2f} GB/s (min: {bmin / 1e9:.2f})" if n >= 10000 else "(latency-bound)"
            lines.append(f"    N={n:>9}: median {t * 1e6:10.2f} us  min {tmin * 1e6:10.2f} us  "
                         f"median-fit model {model * 1e6:10.2f} us  point beta {pb}")
    txt = "\n".join(lines) + "\n"
    print(txt, end="")
    os.makedirs(a.outdir, exist_ok=True)
    with open(os.path.join(a.outdir, "fit.txt"), "w", encoding="utf-8") as f:
        f.write(txt)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(5, 3.6), dpi=80)
    for p in sorted(by_p):
        if p == 1:
            continue
        pts = sorted(by_p[p])
        ns = np.array([n for n, _, _ in pts], float)
        lab = f"P={p}" + (" (oversubscribed)" if p > (os.cpu_count() or 1) else "")
        l, = ax.loglog(ns, [t * 1e6 for _, t, _ in pts], "o", label=lab + " median")
        if p in fits:
            al, be = fits[p]
            nn = np.logspace(2, 7, 50)
            ax.loglog(nn, (al * math.log2(p) + (p - 1) / p * 8 * nn / be) * 1e6, "-", color=l.get_color(),
                      alpha=0.6, label=f"fit a={al * 1e6:.1f} us, b={be / 1e9:.1f} GB/s")
    ax.set_xlabel("N (doubles gathered)")
    ax.set_ylabel("MPI_Allgatherv time, us")
    ax.set_title("in-place MPI_Allgatherv, shared memory (vader)", fontsize=8)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(a.outdir, "allgatherv.png"))


if __name__ == "__main__":
    main()
