#!/usr/bin/env python3
"""Compares a user-defined HH kind with the built-in kind it restates: the
outputs of the same model with each (models/hh_builtin.yaml and
hh_user.yaml: hh_classic_eq of kinds/hh_classic.yaml; tut_builtin.yaml and
tut_user.yaml: hh_tutorial_eq of kinds/hh_tutorial.yaml).

  check_hh_kind.py [--exact] [--vars V,m,h,n] BUILTIN.nc USER.nc

(also a user-defined synapse kind: models/gaba_builtin.yaml and
gaba_user.yaml, gaba_a_eq of kinds/gaba_a.yaml, with --vars naming the
projections' recorded variables too)

- the same spikes (count, neurons, order), spike times within 1e-10 ms;
- every recorded trace (--vars, default V, m, h, n) within 1e-12 of the variable's largest
  magnitude;
- with --exact: spike times and traces bit for bit;
- the user kind's output names the generated source (kinds_source_hash).
kinds/hh_classic.yaml computes the rates x/(e^x - 1) as 1/exprel(x), the
built-in as x/expm1(x) (psst_rexprel), which rounds differently: measured
on x86-64 with SLEEF (100 ms, 20 neurons, 120 spikes) spike times differ by
1.4e-14 ms, V by 4.3e-14 of max |V|, gates by 2.4e-14. kinds/hh_tutorial.yaml
writes every operation as the built-in does (rexprel spelled out with
where()), and is bit-identical (--exact); both call the same psst_exp &
co. as the built-in kinds (the executable's, kinds/jit.h).
Exit 0 when all hold, 1 otherwise, 77 without numpy/netCDF4.
"""
import sys

try:
    import netCDF4
    import numpy as np
except ImportError as e:  # pragma: no cover
    print("skipped: %s" % e)
    sys.exit(77)

args = sys.argv[1:]
exact = args[:1] == ["--exact"]
if exact:
    args = args[1:]
names = ["V", "m", "h", "n"]
if args[:1] == ["--vars"]:
    names = args[1].split(",")
    args = args[2:]
a = netCDF4.Dataset(args[0])
b = netCDF4.Dataset(args[1])
fails = []
ta, tb = np.asarray(a["spike_time"][:]), np.asarray(b["spike_time"][:])
na, nb = np.asarray(a["spike_neuron"][:]), np.asarray(b["spike_neuron"][:])
if len(ta) == 0:
    fails.append("the reference has no spikes")
if ta.shape != tb.shape or not np.array_equal(na, nb):
    fails.append("spikes differ: %d vs %d" % (len(ta), len(tb)))
else:
    d = np.abs(ta - tb).max() if len(ta) else 0.0
    print("spikes: %d, max |dt| = %.3g ms" % (len(ta), d))
    if d > (0.0 if exact else 1e-10):
        fails.append("spike times differ by %.3g ms" % d)
for v in names:
    x, y = np.asarray(a[v][:], float), np.asarray(b[v][:], float)
    if x.shape != y.shape:
        fails.append("%s: shapes %s vs %s" % (v, x.shape, y.shape))
        continue
    d = np.abs(x - y).max() / np.abs(x).max()
    print("%s: max |d| / max |x| = %.3g" % (v, d))
    if d > (0.0 if exact else 1e-12):
        fails.append("%s differs by %.3g of its scale" % (v, d))
if len(getattr(b, "kinds_source_hash", "")) != 32:
    fails.append("no kinds_source_hash attribute")
if "kinds_source_hash" in a.ncattrs():
    fails.append("the built-in model has a kinds_source_hash")
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
