#!/usr/bin/env python3
"""Checks the record blocks of models/record_blocks.yaml's output (psst run).

  check_record_blocks.py OUT.nc

- every block has its own time axis: t = k * every * dt for its interval
  (every: 10 steps, every_ms: 0.5 ms, every_ms: 0.2 ms, every: 7 steps);
- the blocks hold the neurons they select (by global id, in gid order);
- synaptic values agree with each other and with V: InE.g == InE.gsyn
  (exp_cond: the drive is gsyn), InE.I == InE.g * (V - 0), IE.I ==
  IE.g * (V + 70) (gaba_a, E = -70 mV) on the targets E[0:20] and 0 on
  E[20:30], EI.g == EI.B - EI.A (exp2_cond: A, B in mS/cm^2) with EI.I ==
  EI.g * V (E = 0),
  conductances >= 0 and not all 0;
- gates are fractions.
Exit 0 when all hold, 1 otherwise, 77 without numpy/netCDF4.
"""
import sys

try:
    import netCDF4
    import numpy as np
except ImportError as e:  # pragma: no cover
    print("skipped: %s" % e)
    sys.exit(77)

DT = 0.02  # ms
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)
        print("FAIL:", what)


def close(a, b, rtol=1e-12, atol=1e-15):
    return np.all(np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b)))


d = netCDF4.Dataset(sys.argv[1])
# population layout of the model: In 0..99, E 100..139, I 140..149
for pre, every, gids in (("", 10, np.arange(100, 150)),
                         ("gates_", 25, np.arange(140, 150)),
                         ("syn_", 10, np.arange(110, 130)),
                         ("isyn_", 7, np.arange(140, 150))):
    t = d[pre + "time"][:]
    n = len(t)
    check(np.allclose(t, np.arange(n) * every * DT, rtol=0, atol=1e-9),
          "%stime is every %d steps" % (pre, every))
    check(n == (3000 - 1) // every + 1, "%stime has %d records, expected %d"
          % (pre, n, (3000 - 1) // every + 1))
    check(np.array_equal(d[pre + "neuron_id"][:], gids), "%sneuron_id" % pre)

V = d["V"][:]  # (time, 50): E at columns 0..39
syn = lambda v: d["syn_" + v][:]
Vs = V[:, 10:30]  # E[10:30], the same times (0.2 ms = 10 steps)
check(close(syn("InE.g"), syn("InE.gsyn")), "InE.g == InE.gsyn")
check(close(syn("InE.I"), syn("InE.g") * (Vs - 0.0)), "InE.I == InE.g V")
g, I = syn("IE.g"), syn("IE.I")
check(close(I[:, :10], g[:, :10] * (Vs[:, :10] + 70.0)), "IE.I == IE.g (V + 70)")
check(np.all(g[:, 10:] == 0) and np.all(I[:, 10:] == 0), "IE is 0 off target")
check(np.all(g >= 0) and g[:, :10].max() > 0, "IE.g >= 0 and not all 0")
check(np.all(syn("InE.g") >= 0) and syn("InE.g").max() > 0, "InE.g > 0 somewhere")
check(np.all(syn("EE.O") >= 0), "EE.O >= 0")
A, B = d["isyn_EI.A"][:], d["isyn_EI.B"][:]
gi, Ii, Vi = d["isyn_EI.g"][:], d["isyn_EI.I"][:], d["isyn_V"][:]
check(close(gi, B - A, rtol=1e-12, atol=1e-18), "EI.g == B - A")
check(close(Ii, gi * Vi), "EI.I == EI.g V")
check(gi.max() > 0, "EI.g not all 0")
for v in ("m", "h", "n"):
    x = d["gates_" + v][:]
    check(np.all((x >= 0) & (x <= 1)), "gates_%s in [0, 1]" % v)
print("record blocks: %d records of V, %d of gates, %d of syn, %d of isyn; "
      "max InE.g %.4g mS/cm^2, max IE.g %.4g, max EI.g %.4g; %s"
      % (len(d["time"]), len(d["gates_time"]), len(d["syn_time"]),
         len(d["isyn_time"]), syn("InE.g").max(), g.max(), gi.max(),
         "all checks hold" if not fails else "%d failed" % len(fails)))
sys.exit(1 if fails else 0)
