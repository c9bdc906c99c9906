#!/usr/bin/python3
"""COBAHH (docs/models.md §11.2) in NEURON, for the psst peer benchmark.

    mpiexec -n RANKS python3 neuron_cobahh.py --mech LIBNRNMECH.so --dt 0.1 [--t-end 1000]

One single-compartment section per cell (area 20,000 um^2: L = diam =
sqrt(20000/pi) um, cm 1 uF/cm^2), pas (g 5e-5 S/cm^2, e -60 mV) + tmhh
(tmhh.mod: Traub-Miles Na/K, gnabar 0.1, gkbar 0.03 S/cm^2, vt -63 mV,
ena 50, ek -90 mV). Two ExpSyn per cell: excitatory tau 5 ms, e 0 mV and
inhibitory tau 10 ms, e -80 mV; NetCon weights 0.006 uS (6 nS) and 0.067 uS
(67 nS), threshold -20 mV, delay 0.1 ms (= dt at dt 0.1; at dt 0.05
NEURON 8.2.2 with 2 ranks refused delay = dt: "mindelay is 0 (or less than
dt)"; psst and Brian deliver at the next step). Connectivity: every ordered
pair with p = 0.02, no self-connections (as examples/cobahh.yaml). Cells are
distributed round-robin (gid % nhost). Fixed step, cvode off,
secondorder 0 (implicit Euler for V, cnexp for the gates).
Prints one JSON line on rank 0.
"""
import argparse, json, math, time
import numpy as np
from neuron import h

ap = argparse.ArgumentParser()
ap.add_argument("--mech", required=True)
ap.add_argument("--dt", type=float, default=0.1)
ap.add_argument("--t-end", type=float, default=1000.0)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--secondorder", type=int, default=0)
a = ap.parse_args()

t_start = time.perf_counter()
h.nrnmpi_init()
h.nrn_load_dll(a.mech)
pc = h.ParallelContext()
rank, nhost = int(pc.id()), int(pc.nhost())
h.load_file("stdrun.hoc")
NE, NI = 3200, 800
N = NE + NI
P = 0.02
diam = math.sqrt(20000.0 / math.pi)

cells = {}
for gid in range(rank, N, nhost):
    s = h.Section(name="c%d" % gid)
    s.L = s.diam = diam
    s.nseg = 1
    s.cm = 1.0
    s.insert("pas")
    s.g_pas = 5e-5
    s.e_pas = -60.0
    s.insert("tmhh")
    s.ena = 50.0
    s.ek = -90.0
    se = h.ExpSyn(s(0.5)); se.tau = 5.0; se.e = 0.0
    si = h.ExpSyn(s(0.5)); si.tau = 10.0; si.e = -80.0
    pc.set_gid2node(gid, rank)
    nc = h.NetCon(s(0.5)._ref_v, None, sec=s)
    nc.threshold = -20.0
    pc.cell(gid, nc)
    cells[gid] = (s, se, si)

# delay: 0.1 ms at any dt (NEURON 8.2.2 with 2 ranks refused delay = dt = 0.05
# ms: "mindelay is 0 (or less than dt)"); 0.1 ms = dt at dt 0.1
delay = max(0.1, a.dt)
ncs = []
nsyn = 0
for gid, (s, se, si) in cells.items():
    r = np.random.default_rng([a.seed, gid]).random(N) < P
    r[gid] = False  # no autapses
    for pre in np.nonzero(r)[0]:
        pre = int(pre)
        if pre < NE:
            nc = pc.gid_connect(pre, se); nc.weight[0] = 0.006
        else:
            nc = pc.gid_connect(pre, si); nc.weight[0] = 0.067
        nc.delay = delay
        ncs.append(nc)
nsyn = int(pc.allreduce(len(ncs), 1))

tvec, idvec = h.Vector(), h.Vector()
pc.spike_record(-1, tvec, idvec)
h.cvode_active(0)
h.secondorder = a.secondorder
h.dt = a.dt
h.steps_per_ms = 1.0 / a.dt
mindelay = pc.set_maxstep(10)
h.finitialize(-65.0)
for gid, (s, se, si) in cells.items():
    r1, r2, r3 = np.random.default_rng([a.seed, gid, 7]).standard_normal(3)
    s(0.5).v = -60.0 + 5.0 * r1 - 5.0
    se.g = (1.5 * r2 + 4.0) * 0.01   # uS
    si.g = (12.0 * r3 + 20.0) * 0.01  # uS
h.fcurrent()
pc.barrier()
t_setup = time.perf_counter() - t_start
t0 = time.perf_counter()
pc.psolve(a.t_end)
pc.barrier()
t_sim = time.perf_counter() - t0
nspk = int(pc.allreduce(len(tvec), 1))
if rank == 0:
    print("RESULT " + json.dumps({
        "sim": "NEURON", "method": "fixed-step implicit Euler + cnexp (secondorder %d)" % a.secondorder,
        "dt": a.dt, "par": "%d rank%s" % (nhost, "" if nhost == 1 else "s"), "n": nhost,
        "build_s": 0.0, "setup_s": t_setup, "sim_s": t_sim, "spikes": nspk,
        "rate_hz": nspk / N / (a.t_end / 1000.0), "synapses": nsyn, "delay_ms": delay}), flush=True)
pc.barrier()
pc.done()
h.quit()
