#!/usr/bin/env python3
"""check_connectivity.py OUT.nc: record.connectivity of models/connectivity.yaml.

Checks that what the output says about the synapses is what the model asks
for: XE is fixed_indegree 4 from the 20 sources (gids 0-19) onto E (gids
20-31), 4 distinct sources per target, in CSR order (by post, then pre),
weights drawn from normal(1, 0.3) clipped at 0 (so >= 0, mean near 1),
delays uniform in [0.5, 2] ms rounded to steps of dt = 0.02 ms; EE is
random p = 0.3 without autapses, weight 1, and has no delay variable
(gaba_a is not spike-triggered); every array has its count attribute.
Exit 77 when numpy or netCDF4 is missing.
"""
import sys

try:
    import netCDF4
    import numpy as np
except ImportError as e:
    print(f"skip: {e}")
    sys.exit(77)

fail = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fail.append(what)


with netCDF4.Dataset(sys.argv[1]) as ds:
    ds.set_auto_mask(False)
    v = ds.variables
    post, pre = np.asarray(v["proj_XE_post"][:]), np.asarray(v["proj_XE_pre"][:])
    w, d = np.asarray(v["proj_XE_weight"][:]), np.asarray(v["proj_XE_delay"][:])
    check(int(v["proj_XE_post"].count) == post.size == 12 * 4, f"XE: {post.size} synapses")
    check(np.array_equal(np.unique(post), np.arange(20, 32)), "XE: targets are E (20-31)")
    check(bool(np.all((pre >= 0) & (pre < 20))), "XE: sources are X (0-19)")
    order = np.lexsort((pre, post))
    check(np.array_equal(order, np.arange(post.size)), "XE: CSR order (post, then pre)")
    check(all(np.unique(pre[post == g]).size == 4 for g in range(20, 32)),
          "XE: 4 distinct sources per target")
    check(bool(np.all(w >= 0)) and abs(w.mean() - 1) < 0.3, f"XE: weights >= 0, mean {w.mean():.3f}")
    steps = d / 0.02
    check(bool(np.all(np.abs(steps - np.round(steps)) < 1e-9)), "XE: delays are whole steps")
    check(bool(np.all((d >= 0.5 - 1e-12) & (d <= 2 + 1e-12))), f"XE: delays in [0.5, 2] ms "
          f"({d.min():g}..{d.max():g})")
    check(v["proj_XE_delay"].units == "ms", "XE: delay units ms")
    epost, epre = np.asarray(v["proj_EE_post"][:]), np.asarray(v["proj_EE_pre"][:])
    n = epost.size
    check(bool(np.all(epost != epre)), "EE: no autapses")
    check(bool(np.all((epre >= 20) & (epre < 32) & (epost >= 20) & (epost < 32))), "EE: E to E")
    p = n / (12 * 11)
    check(abs(p - 0.3) < 3 * np.sqrt(0.3 * 0.7 / (12 * 11)), f"EE: density {p:.3f} near 0.3")
    check(bool(np.all(np.asarray(v["proj_EE_weight"][:]) == 1)), "EE: weight 1")
    check("proj_EE_delay" not in v, "EE: no delay (gaba_a is not spike-triggered)")
if fail:
    sys.exit(1)
print("all checks passed")
