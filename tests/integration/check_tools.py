#!/usr/bin/env python3
"""check_tools.py TOOLS_DIR WORKDIR OUT.nc...: every file through the tools
users open psst outputs with.

For each output: nccopy -d 4 and ncks -4 -L 4 rewrite it and keep its V;
xarray.open_dataset opens it with `neuron` as a coordinate; every `units`
attribute parses with udunits2; psst_read.open_dataset selects each
population's recorded neurons with sel(population=NAME), and the selection
is what neuron_population says; the population table (name, kind, first,
size) tiles the global ids. Exit 77 when a tool is missing.
"""
import os
import shutil
import subprocess
import sys

try:
    import netCDF4
    import numpy as np
    import xarray as xr
except ImportError as e:
    print(f"skip: {e}")
    sys.exit(77)
for tool in ("nccopy", "ncks", "udunits2"):
    if not shutil.which(tool):
        print(f"skip: {tool} not found (Debian: netcdf-bin, nco, udunits-bin)")
        sys.exit(77)
tools, work, files = sys.argv[1], sys.argv[2], sys.argv[3:]
sys.path.insert(0, tools)
import psst_read  # noqa: E402

os.makedirs(work, exist_ok=True)
fail = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fail.append(what)


units_seen = set()
for f in files:
    b = os.path.basename(f)
    with netCDF4.Dataset(f) as ds:
        ds.set_auto_mask(False)
        V = np.asarray(ds["V"][:]) if "V" in ds.variables else None
        pidx = np.asarray(ds["neuron_population"][:]) if "neuron_population" in ds.variables else None
        names = list(netCDF4.chartostring(ds["population_name"][:]))
        kinds = list(netCDF4.chartostring(ds["population_kind"][:]))
        first = np.asarray(ds["population_first"][:])
        size = np.asarray(ds["population_size"][:])
        n = int(ds.getncattr("neurons"))
        units_seen |= {ds[v].units for v in ds.variables if "units" in ds[v].ncattrs()}
    check(int(first[0]) == 0 and np.array_equal(first[1:], (first + size)[:-1])
          and int((first + size)[-1]) == n and all(kinds),
          f"{b}: population table {list(zip(names, kinds, first.tolist(), size.tolist()))}")
    for cmd, suffix in ((["nccopy", "-d", "4"], "d4"), (["ncks", "-O", "-4", "-L", "4"], "ks")):
        dst = os.path.join(work, f"{b}.{suffix}.nc")
        r = subprocess.run(cmd + [f, dst], capture_output=True, text=True)
        ok = r.returncode == 0
        if ok and V is not None:
            with netCDF4.Dataset(dst) as c:
                ok = np.array_equal(np.asarray(c["V"][:]), V)
        check(ok, f"{b}: {' '.join(cmd)} ({r.stderr.strip()[:160]})")
    raw = xr.open_dataset(f)
    check("neuron" in raw.coords, f"{b}: xarray opens it, neuron is a coordinate")
    raw.close()
    if V is not None:
        x = psst_read.open_dataset(f)
        for i, nm in enumerate(names):
            want = np.flatnonzero(pidx == i)
            if want.size == 0:
                continue
            sel = x.V.sel(population=nm)
            check(np.array_equal(sel.values.reshape(V.shape[0], -1), V[:, want]),
                  f"{b}: sel(population='{nm}') = its {want.size} recorded neurons")
for u in sorted(units_seen):
    r = subprocess.run(["udunits2", "-H", u, "-W", ""], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    check(r.returncode == 0, f"udunits2 parses '{u}'")
if fail:
    print(f"{len(fail)} check(s) failed")
    sys.exit(1)
print("all checks passed")
