#!/usr/bin/env python3
"""check_ei.py TOOL OUT.nc FIGDIR: the E/I example through the analysis tool.

OUT.nc is examples/ei_poisson.yaml run on 2 ranks for 400 ms. Runs
tools/psst_analyze.py with a window after the start-up transient and checks
what the example's header claims and the tool must get right:

  - the tool's per-population counts equal the file's spikes, population by
    population (ids from the model), and its window rates equal the counts
    over the window divided by neurons and window length;
  - the input population X (1000 Poisson sources at 5 Hz) fires at 5 Hz
    within 3 standard errors of the count in the window;
  - E and I fire asynchronously and irregularly: window rates within 5-30 Hz
    (the example's ~13 Hz), mean ISI CV above 0.8, and no population burst
    (the largest 5 ms bin of E after the transient below 3x its mean);
  - raster.png and rates.png exist and are PNGs.

Exit 77 (skip) when numpy, netCDF4 or matplotlib cannot be imported.
"""
import json
import math
import os
import subprocess
import sys

try:
    import netCDF4
    import numpy as np
    import matplotlib  # noqa: F401  (the tool needs it)
except ImportError as e:
    print(f"skip: {e}")
    sys.exit(77)

tool, out, figdir = sys.argv[1:4]
T0, T1 = 100.0, 400.0   # ms: the analysis window
sizes = {"E": (0, 3200), "I": (3200, 800), "X": (4000, 1000)}   # first gid, neurons
fail = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fail.append(what)


js = os.path.join(figdir, "summary.json")
r = subprocess.run([sys.executable, tool, out, "-o", figdir, "--window", f"{T0:g}:{T1:g}",
                    "--json", js], capture_output=True, text=True)
print(r.stdout)
check(r.returncode == 0, f"tool exits 0 (got {r.returncode}: {r.stderr.strip()})")
if r.returncode != 0:
    sys.exit(1)
s = json.load(open(js))
pops = {p["name"]: p for p in s["populations"]}
check(sorted(pops) == ["E", "I", "X"], f"populations E, I, X (got {sorted(pops)})")

with netCDF4.Dataset(out) as ds:
    t = np.asarray(ds["spike_time"][:], float)
    g = np.asarray(ds["spike_neuron"][:], np.int64)
    t_end = float(ds.getncattr("t_end_ms"))
check(abs(t_end - 400.0) < 1e-9, f"the run covers 400 ms (t_end_ms {t_end})")

win = (t >= T0) & (t < T1)
wlen_s = (T1 - T0) / 1000.0
for name, (first, n) in sizes.items():
    p = pops[name]
    sel = (g >= first) & (g < first + n)
    check(p["first_gid"] == first and p["neurons"] == n,
          f"{name}: ids {p['first_gid']}+{p['neurons']} == {first}+{n}")
    check(p["spikes"] == int(sel.sum()), f"{name}: tool spikes {p['spikes']} == file {sel.sum()}")
    nw = int((sel & win).sum())
    want = nw / (n * wlen_s)
    check(abs(p["window_rate_hz"] - want) < 1e-9,
          f"{name}: window rate {p['window_rate_hz']:.4f} == {want:.4f} Hz")

# X: Poisson at 5 Hz; the count in the window is Poisson with mean 5 Hz x 1000 x 0.3 s
nx = pops["X"]["window_spikes"]
mu = 5.0 * 1000 * wlen_s
check(abs(nx - mu) <= 3 * math.sqrt(mu), f"X: {nx} spikes in the window vs {mu:.0f} +- {3 * math.sqrt(mu):.0f}")

for name in ("E", "I"):
    p = pops[name]
    check(5.0 <= p["window_rate_hz"] <= 30.0, f"{name}: rate {p['window_rate_hz']:.2f} Hz in [5, 30]")
    n = sizes[name][1]
    check(p["isi_cv"] is not None and p["isi_cv"] > 0.8 and p["isi_cv_neurons"] > n // 4,
          f"{name}: ISI CV {p['isi_cv']} > 0.8 over {p['isi_cv_neurons']} neurons (> {n // 4})")

# asynchronous: no population burst in E after the transient
e = (g < 3200) & win
h, _ = np.histogram(t[e], np.arange(T0, T1 + 1e-9, 5.0))
check(h.max() < 3.0 * h.mean(), f"E: largest 5 ms bin {h.max()} < 3 x mean {h.mean():.1f}")

for f in ("raster.png", "rates.png"):
    path = os.path.join(figdir, f)
    ok = os.path.exists(path) and open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    check(ok, f"{f} written, a PNG")

if fail:
    print(f"{len(fail)} check(s) failed")
    sys.exit(1)
print("all checks passed")
