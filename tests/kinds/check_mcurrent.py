#!/usr/bin/env python3
"""The M-current sweep (examples/hh_mcurrent_sweep.yaml): per population
(ascending g_M, read from the model text), the spikes during the step
current. Checks: the g_M = 0 cell fires; the rate falls strictly with g_M;
for g_M > 0 the last inter-spike interval is longer than the first
(adaptation) and, for g_M = 0, within 2% of it (no adaptation without
I_M); nothing fires before the step. Usage: check_mcurrent.py OUT.nc
[OUT2.nc ...] (each output is checked). Exit 0 pass, 1 fail, 77 skip."""
import sys

try:
    import netCDF4
    import numpy as np
    import yaml
except ImportError as e:
    print(f"skip: {e}")
    sys.exit(77)


def check(path):
    d = netCDF4.Dataset(path)
    model = yaml.safe_load(d.getncattr("model_text"))
    names = [
        "".join(c.decode() for c in row if c).strip()
        for row in d["population_name"][:].filled(b"")
    ]
    first = d["population_first"][:]
    stim = model["stimuli"][0]["pulses"][0]
    t0, t1 = float(stim["start"]), float(stim["stop"])
    gm = {p["name"]: float(p["params"]["g_M"]) for p in model["populations"]}
    st, sn = d["spike_time"][:], d["spike_neuron"][:]
    bad = []
    if np.any(st < t0):
        bad.append(f"{int(np.sum(st < t0))} spikes before the step at {t0} ms")
    rows = []
    for i, name in enumerate(names):
        ts = np.sort(st[(sn == first[i]) & (st >= t0) & (st < t1)])
        isi = np.diff(ts)
        rate = len(ts) / ((t1 - t0) / 1000.0)  # Hz
        rows.append((gm[name], name, rate, isi))
    rows.sort()
    for g, name, rate, isi in rows:
        first_isi = isi[0] if len(isi) else float("nan")
        last_isi = isi[-1] if len(isi) else float("nan")
        print(f"{path}: {name}: g_M = {g} mS/cm^2: {rate:.1f} Hz, "
              f"first ISI {first_isi:.2f} ms, last ISI {last_isi:.2f} ms")
        if len(isi) < 2:
            bad.append(f"{name}: fewer than 3 spikes in the step")
            continue
        if g > 0 and not last_isi > 1.1 * first_isi:
            bad.append(f"{name}: no adaptation (last ISI {last_isi:.2f} <= "
                       f"1.1 x first {first_isi:.2f} ms)")
        if g == 0 and abs(last_isi - first_isi) > 0.02 * first_isi:
            bad.append(f"{name}: g_M = 0 adapts (ISI {first_isi:.2f} -> "
                       f"{last_isi:.2f} ms)")
    if rows[0][0] != 0:
        bad.append("no population with g_M = 0")
    rates = [r[2] for r in rows]
    if not all(a > b for a, b in zip(rates, rates[1:])):
        bad.append(f"rates do not fall strictly with g_M: {rates}")
    return bad


fails = []
for p in sys.argv[1:]:
    fails += [f"{p}: {b}" for b in check(p)]
for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails or len(sys.argv) < 2 else 0)
