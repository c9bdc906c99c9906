#!/usr/bin/python3
"""Spike-time accuracy of one COBAHH cell (docs/models.md §11.2, psst kind cobahh)
under step currents, per simulator, method and dt (benchmarks/README.md,
"Peers").

    accuracy.py --psst build/psst [--mech libnrnmech.so] [--csv accuracy.csv]

Cell: C_m 1 uF/cm^2, g_L 0.05, g_Na 100, g_K 30 mS/cm^2, E_L -60, E_Na 50,
E_K -90, V_T -63 mV, no synapses; V(0) = -60 mV, m = h = n = 0. Current:
0 for 0 <= t < 10 ms, then I_k (uA/cm^2, one neuron per amplitude) until
t = 210 ms. Spike = upward crossing of -20 mV; every simulator's crossing
time is the linear interpolation between the two step ends that bracket
it (psst writes these itself; for Brian2 and NEURON V is recorded every
step and interpolated here, so Brian's dt-quantised threshold times do not
count as integration error).

Reference: psst RK4 at dt = 0.001 ms, checked against an independent
classical RK4 in numpy (this file) at dt 0.01 ms with the current switched
exactly at t = 10 ms. Error of a run: the k-th spike of each cell is paired
with the reference's k-th spike (a regularly firing cell: the error of
spike k is the accumulated phase error); "first" = the largest error of
the first spike after the step (the onset latency, no accumulation); max
and mean |dt| over all paired spikes; missing / extra = spike-count
difference. A run whose V becomes non-finite is reported as diverged.
"""
import argparse, csv, os, subprocess, sys, tempfile, time
import numpy as np

AMPS = [1.0, 2.0, 4.0, 8.0]  # uA/cm^2: about 50, 75, 115, 185 Hz
T_ON, T_END, VTH = 10.0, 210.0, -20.0
GNA, GK, GL, ENA, EK, EL, VT, CM = 100.0, 30.0, 0.05, 50.0, -90.0, -60.0, -63.0, 1.0


def efun(x):
    small = np.abs(x) < 1e-6
    xs = np.where(small, 1.0, x)
    return np.where(small, 1.0 - x / 2.0, xs / np.expm1(xs))


def rhs(y, I):
    V, m, h, n = y
    u = V - VT
    am = 1.28 * efun((13.0 - u) / 4.0)
    bm = 1.4 * efun((u - 40.0) / 5.0)
    ah = 0.128 * np.exp((17.0 - u) / 18.0)
    bh = 4.0 / (1.0 + np.exp((40.0 - u) / 5.0))
    an = 0.16 * efun((15.0 - u) / 5.0)
    bn = 0.5 * np.exp((10.0 - u) / 40.0)
    dV = (GL * (EL - V) - GNA * m ** 3 * h * (V - ENA) - GK * n ** 4 * (V - EK) + I) / CM
    return np.array([dV, am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n])


def crossings(t, V):
    """Upward crossings of VTH, linearly interpolated; 3 ms refractory."""
    V = np.asarray(V, float)
    idx = np.nonzero((V[:-1] < VTH) & (V[1:] >= VTH))[0]
    out, last = [], -1e9
    for i in idx:
        tc = t[i] + (VTH - V[i]) / (V[i + 1] - V[i]) * (t[i + 1] - t[i])
        if tc - last >= 3.0:
            out.append(tc)
            last = tc
    return np.array(out)


def numpy_rk4(dt):
    nst = int(round(T_END / dt))
    kon = int(round(T_ON / dt))
    amps = np.array(AMPS)
    y = np.array([np.full(len(AMPS), EL), np.zeros(len(AMPS)), np.zeros(len(AMPS)), np.zeros(len(AMPS))])
    spikes = [[] for _ in AMPS]
    last = np.full(len(AMPS), -1e9)
    for k in range(nst):
        I = amps if k >= kon else 0.0 * amps
        k1 = rhs(y, I)
        k2 = rhs(y + 0.5 * dt * k1, I)
        k3 = rhs(y + 0.5 * dt * k2, I)
        k4 = rhs(y + dt * k3, I)
        yn = y + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        up = (y[0] < VTH) & (yn[0] >= VTH)
        if up.any():
            for j in np.nonzero(up)[0]:
                tc = k * dt + (VTH - y[0, j]) / (yn[0, j] - y[0, j]) * dt
                if tc - last[j] >= 3.0:
                    spikes[j].append(tc)
                    last[j] = tc
        y = yn
        if k % 1000 == 0 and not np.all(np.isfinite(y)):
            return None, "diverged (non-finite V by t = %g ms)" % ((k + 1) * dt)
    if not np.all(np.isfinite(y)):
        return None, "diverged (non-finite V)"
    return [np.array(s) for s in spikes], ""


def psst_run(psst, dt, tmp):
    model = os.path.join(tmp, "acc.yaml")
    stim = "\n".join(
        '  - {target: "X[%d]", pulses: [{start: %g, stop: %g, amplitude: %g}]}' % (j, T_ON, T_END, a)
        for j, a in enumerate(AMPS))
    with open(model, "w") as f:
        f.write("run: {t_end: %g, dt: %g, method: rk4, seed: 1}\n"
                "populations:\n  - {name: X, kind: cobahh, size: %d, init: {V: -60, m: 0, h: 0, n: 0},"
                " threshold: -20, refractory: 3}\nstimuli:\n%s\n"
                "record: {variables: [V], every: 1000000, spikes: true}\n" % (T_END, dt, len(AMPS), stim))
    out = os.path.join(tmp, "acc.nc")
    r = subprocess.run([psst, "run", model, "-o", out, "--force", "--quiet"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        err = [l for l in r.stderr.splitlines() if "error" in l] or r.stderr.splitlines() or ["exit %d" % r.returncode]
        return None, err[0].replace("psst: error: ", "psst: ")
    txt = subprocess.run(["ncdump", "-v", "spike_time,spike_neuron", out],
                         capture_output=True, text=True, check=True).stdout
    data = txt.split("data:")[1]

    def var(name):
        s = data.split(name + " =")[1].split(";")[0]
        s = s.replace("_", "").strip()
        return np.array([float(x) for x in s.replace("\n", " ").split(",") if x.strip()])
    st, sn = var("spike_time"), var("spike_neuron")
    return [np.sort(st[sn == j]) for j in range(len(AMPS))], ""


def brian_run(method, dt):
    import brian2 as b
    b.start_scope()
    b.prefs.codegen.target = "numpy"
    b.defaultclock.dt = dt * b.ms
    ms, mV = b.ms, b.mV
    eqs = '''
dv/dt = (0.05*(-60*mV-v) - 100*m*m*m*h*(v-50*mV) - 30*n*n*n*n*(v+90*mV) + I*mV)/ms : volt
dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
alpha_m = 0.32*4/exprel((13*mV-v-63*mV)/(4*mV))/ms : Hz
beta_m = 0.28*5/exprel((v+63*mV-40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV-v-63*mV)/(18*mV))/ms : Hz
beta_h = 4./(1+exp((40*mV-v-63*mV)/(5*mV)))/ms : Hz
alpha_n = 0.032*5/exprel((15*mV-v-63*mV)/(5*mV))/ms : Hz
beta_n = .5*exp((10*mV-v-63*mV)/(40*mV))/ms : Hz
I : 1
'''
    # (densities: C_m 1 uF/cm^2, so dV/dt [mV/ms] = (mS/cm^2 * mV + uA/cm^2) / 1)
    G = b.NeuronGroup(len(AMPS), eqs, method=method)
    G.v = -60 * mV
    G.m = G.h = G.n = 0
    G.I = 0
    M = b.StateMonitor(G, "v", record=True)
    net = b.Network(G, M)
    net.run(T_ON * ms)
    G.I = np.array(AMPS)
    net.run((T_END - T_ON) * ms)
    t = np.asarray(M.t / ms)
    V = np.asarray(M.v / mV)
    # the monitor records before each step; append the final state
    t = np.append(t, T_END)
    V = np.concatenate([V, np.asarray(G.v / mV)[:, None]], axis=1)
    if not np.all(np.isfinite(V)):
        return None, "non-finite V (diverged)"
    return [crossings(t, V[j]) for j in range(len(AMPS))], ""


def neuron_run(h, dt, secondorder):
    import math
    cells = []
    for a in AMPS:
        s = h.Section()
        s.L = s.diam = math.sqrt(20000.0 / math.pi)
        s.cm = 1.0
        s.insert("pas"); s.g_pas = 5e-5; s.e_pas = -60.0
        s.insert("tmhh"); s.ena = 50.0; s.ek = -90.0
        st = h.IClamp(s(0.5)); st.delay = T_ON; st.dur = T_END; st.amp = a * 0.2  # nA (area 2e-4 cm^2)
        v = h.Vector(); v.record(s(0.5)._ref_v)
        cells.append((s, st, v))
    tv = h.Vector(); tv.record(h._ref_t)
    h.cvode_active(0)
    h.secondorder = secondorder
    h.dt = dt
    h.steps_per_ms = 1.0 / dt
    h.tstop = T_END
    h.v_init = -60.0  # stdinit (h.run) initialises to v_init
    h.run()
    t = np.array(tv)
    res = []
    for s, st, v in cells:
        V = np.array(v)
        if not np.all(np.isfinite(V)):
            return None, "non-finite V"
        res.append(crossings(t, V))
    return res, ""


def compare(ref, test):
    errs, first, missing, extra = [], [], 0, 0
    for r, s in zip(ref, test):
        k = min(len(r), len(s))
        d = np.abs(np.asarray(s[:k]) - np.asarray(r[:k]))
        errs.extend(d)
        if k:
            first.append(d[0])
        missing += max(0, len(r) - len(s))
        extra += max(0, len(s) - len(r))
    e = np.array(errs) if errs else np.array([np.nan])
    f = max(first) if first else float("nan")
    return float(f), float(np.max(e)), float(np.mean(e)), missing, extra


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--psst", required=True)
    ap.add_argument("--mech", default="")
    ap.add_argument("--csv", default="peers_accuracy.csv")
    ap.add_argument("--ref-dt", type=float, default=0.001)
    ap.add_argument("--check-dt", type=float, default=0.01)
    a = ap.parse_args()
    rows = []
    tmpd = tempfile.TemporaryDirectory()
    tmp = tmpd.name
    ref, note = psst_run(a.psst, a.ref_dt, tmp)
    if ref is None:
        sys.exit("accuracy: psst reference run failed: " + note)
    nref = sum(len(r) for r in ref)
    print("accuracy: reference psst RK4 dt %g ms: %d spikes (%s for %s uA/cm^2)" % (
        a.ref_dt, nref, [len(r) for r in ref], AMPS), flush=True)

    def add(sim, method, dt, res, note):
        t_run = time.perf_counter() - tstart
        if res is None:
            rows.append([sim, method, dt, "", "", "", "", "", "", note or "failed"])
        else:
            f, mx, mn, miss, ext = compare(ref, res)
            rows.append([sim, method, dt, sum(len(x) for x in res), miss, ext,
                         "%.2g" % f, "%.2g" % mx, "%.2g" % mn, note])
        print("accuracy: %-7s %-26s dt %-6g %s" % (sim, method, dt, rows[-1][3:]), flush=True)

    tstart = time.perf_counter()
    res, note = numpy_rk4(a.check_dt)
    add("numpy", "rk4 (check of the reference)", a.check_dt, res, note)
    for dt in [0.01, 0.05, 0.1]:
        tstart = time.perf_counter()
        res, note = psst_run(a.psst, dt, tmp)
        add("psst", "rk4", dt, res, note)
    try:
        import brian2  # noqa
        have_brian = True
    except Exception as e:  # noqa
        print("accuracy: Brian2 not importable (%s): skipped" % e)
        have_brian = False
    if have_brian:
        for method in ["rk4", "exponential_euler"]:
            for dt in [0.01, 0.05, 0.1]:
                tstart = time.perf_counter()
                try:
                    res, note = brian_run(method, dt)
                except Exception as e:
                    res, note = None, "error: %s" % str(e).splitlines()[0]
                add("Brian2", method, dt, res, note)
    h = None
    if a.mech:
        try:
            from neuron import h
            h.nrn_load_dll(a.mech)
            h.load_file("stdrun.hoc")
        except Exception as e:
            print("accuracy: NEURON not usable (%s): skipped" % e)
            h = None
    else:
        print("accuracy: NEURON skipped (no --mech: tmhh.mod not compiled)")
    if h is not None:
        for so in [0, 2]:
            for dt in [0.01, 0.025, 0.1]:
                tstart = time.perf_counter()
                res, note = neuron_run(h, dt, so)
                add("NEURON", "fixed step, secondorder %d" % so, dt, res, note)
    with open(a.csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["simulator", "method", "dt_ms", "spikes", "missing", "extra",
                    "first_spike_abs_dt_ms", "max_abs_dt_ms", "mean_abs_dt_ms", "note"])
        w.writerows(rows)
    print()
    print("Spike-time accuracy: one cobahh cell, steps of %s uA/cm^2 for 200 ms after 10 ms at 0;" % AMPS)
    print("reference psst RK4 dt %g ms, %d spikes; k-th spike paired with the reference's k-th." % (a.ref_dt, nref))
    print("| simulator | method | dt ms | spikes | missing | extra | first spike abs dt ms | max abs dt ms | mean abs dt ms | note |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")
    print("accuracy: wrote %s" % a.csv)
    tmpd.cleanup()


if __name__ == "__main__":
    main()
