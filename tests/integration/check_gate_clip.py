"""check_gate_clip.py OUT.nc — the gates of models/gate_clip.yaml at t = 0.

m ~ normal(0.5, 2) and h ~ normal(0.9, 0.5), then init_noise 0.5: about 40 %
of the draws of m fall outside [0, 1], and are clipped; V ~ normal(-65, 30)
is not a fraction and is not clipped. Exit 1 when a gate is outside [0, 1],
when no draw reached a bound (the clipping was not exercised), or when V
looks clipped."""
import sys

import netCDF4

with netCDF4.Dataset(sys.argv[1]) as ds:
    fails = []
    for g in ("m", "h", "n"):
        x = ds.variables[g][0, :].filled()
        lo, hi = float(x.min()), float(x.max())
        if lo < 0.0 or hi > 1.0:
            fails.append(f"{g} outside [0, 1]: [{lo}, {hi}]")
        if g in ("m", "h"):
            at = int(((x == 0.0) | (x == 1.0)).sum())
            print(f"{g}: range [{lo}, {hi}], {at} of {x.size} at a bound")
            if at == 0:
                fails.append(f"{g}: no draw at 0 or 1: clipping not exercised")
    V = ds.variables["V"][0, :].filled()
    print(f"V: range [{V.min()}, {V.max()}]")
    if not (V.min() < -100.0 and V.max() > -30.0):
        fails.append(f"V range [{V.min()}, {V.max()}] too narrow for normal(-65, 30)")
for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
