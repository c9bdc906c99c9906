"""Run tools/psst_analyze.py on a psst output and check what it writes.

usage: /usr/bin/python3 check_analysis.py TOOL.py OUT.nc FIGDIR
Exit 77 (skipped) when matplotlib, netCDF4 or numpy cannot be imported.

1. TOOL OUT.nc -o FIGDIR --json FIGDIR/summary.json: exit 0; the JSON's spike
   count per population equals the netCDF's (population id ranges from the
   model text), rates = spikes / (neurons x t_end), active neurons, window;
   raster/traces/heatmap_<pop>/lfp PNGs exist, are PNGs and > 1 kB.
2. A copy without V and with only some neurons recorded: exit 0, the same
   spike counts (now from model_text), only raster.png and rates.png, a note about V.
3. Exit 2: a missing file, a non-netCDF file, a bad --window, an unknown
   --lfp-pop, a --neurons id that is not recorded.
"""
import json
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
    import netCDF4
    import matplotlib  # noqa: F401 (the tool needs it)
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

tool, nc, figdir = sys.argv[1:4]
fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


def run_tool(*args):
    r = subprocess.run([sys.executable, tool, *args], capture_output=True, text=True)
    print(f"$ psst_analyze.py {' '.join(args)}  -> exit {r.returncode}")
    print(r.stdout + r.stderr)
    return r


def model_sizes(ds):
    import re
    text = ds.getncattr("model_text")
    sizes = [int(x) for x in re.findall(r"^\s*size:\s*(\d+)", text, re.M)]
    names = [x for x in re.findall(r"^\s*-\s*name:\s*(\S+)", text, re.M)][:len(sizes)]
    return names, sizes


def is_png(path):
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as fh:
        head = fh.read(8)
    return head == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 1024


def check_summary(s, ds, expect_files, tag):
    names, sizes = model_sizes(ds)
    gid = np.asarray(ds["spike_neuron"][:])
    t_end = float(ds.getncattr("t_end_ms"))
    check([p["name"] for p in s["populations"]] == names, f"{tag}: population names {names}")
    first = 0
    for p, nm, size in zip(s["populations"], names, sizes):
        sel = (gid >= first) & (gid < first + size)
        n = int(sel.sum())
        check(p["neurons"] == size and p["first_gid"] == first, f"{tag}: {nm} ids {first}+{size}")
        check(p["spikes"] == n, f"{tag}: {nm} spikes {p['spikes']} == netCDF {n}")
        rate = n / (size * t_end / 1000.0)
        check(abs(p["mean_rate_hz"] - rate) < 1e-9 * max(1, rate),
              f"{tag}: {nm} rate {p['mean_rate_hz']} == {rate}")
        act = int(np.unique(gid[sel]).size)
        check(p["active_neurons"] == act, f"{tag}: {nm} active {p['active_neurons']} == {act}")
        first += size
    check(s["spikes_total"] == gid.size, f"{tag}: spikes_total {s['spikes_total']} == {gid.size}")
    st = np.asarray(ds["spike_time"][:])
    if st.size:
        check(np.allclose(s["window_ms"], [st.min(), st.max()]),
              f"{tag}: auto window = span of the spikes {s['window_ms']}")
    got = sorted(os.path.basename(f) for f in s["files"])
    check(got == sorted(expect_files), f"{tag}: files {got} == {sorted(expect_files)}")
    for f in s["files"]:
        check(is_png(f), f"{tag}: {os.path.basename(f)} is a PNG > 1 kB")


# 1. the file as psst wrote it
shutil.rmtree(figdir, ignore_errors=True)   # a clean folder on every run
os.makedirs(figdir)
js = os.path.join(figdir, "summary.json")
r = run_tool(nc, "-o", figdir, "--json", js, "--lfp-pop", "X")
check(r.returncode == 0, "tool exits 0")
with open(js) as fh:
    s = json.load(fh)
with netCDF4.Dataset(nc) as ds:
    ds.set_auto_mask(False)
    check(ds["spike_neuron"].size > 0, "the run has spikes")
    pops = ["".join(c.decode() for c in row).rstrip("\0") for row in ds["population_name"][:]]
    check_summary(s, ds, ["raster.png", "rates.png", "stimuli.png", "traces.png", "lfp.png"]
                  + [f"heatmap_{p}.png" for p in pops], "full")
lf = s["lfp"]
check(lf is not None and lf["peak_hz"] is not None and lf["peak_hz"] >= 2.0,
      f"LFP peak frequency {lf and lf['peak_hz']} Hz >= 2 Hz")
check(s["attributes"].get("t_end_ms") == 300.0 and s["attributes"].get("neurons") == 3,
      "attributes t_end_ms, neurons")

# 1b. without --lfp-pop on a model without PNs: no LFP panel, a note why
d1b = os.path.join(figdir, "nolfp")
r = run_tool(nc, "-o", d1b, "--json", os.path.join(d1b, "s.json"))
with open(os.path.join(d1b, "s.json")) as fh:
    s1b = json.load(fh)
check(r.returncode == 0 and s1b["lfp"] is None and not os.path.exists(os.path.join(d1b, "lfp.png"))
      and any("no LFP" in n for n in s1b["notes"]), "no PN population: no LFP panel, a note")
check(os.path.exists(os.path.join(d1b, "stimuli.png")), "the Day 4 pulses: stimuli.png")

check(s["population_source"] == "population_first/population_size",
      f"populations from the file's population_first/size ({s['population_source']})")

# 2. no V, one neuron recorded, no population_first/size (as psst 0.1):
# populations from model_text, only the raster
novd = os.path.join(figdir, "noV")
os.makedirs(novd, exist_ok=True)
nov = os.path.join(figdir, "noV.nc")
with netCDF4.Dataset(nc) as src, netCDF4.Dataset(nov, "w") as dst:
    src.set_auto_mask(False)
    for k in src.ncattrs():
        dst.setncattr(k, src.getncattr(k))
    keep = np.array([1])    # record only global id 1
    for name, dim in src.dimensions.items():
        dst.createDimension(name, len(keep) if name == "neuron" else
                            (None if dim.isunlimited() else len(dim)))
    for name, var in src.variables.items():
        if name in ("V", "population_first", "population_size"):
            continue    # also as an older file: populations from model_text
        v = dst.createVariable(name, var.datatype, var.dimensions)
        v.setncatts({a: var.getncattr(a) for a in var.ncattrs()})
        data = var[:]
        v[:] = data[keep] if var.dimensions == ("neuron",) else data
r = run_tool(nov, "-o", novd, "--json", os.path.join(novd, "s.json"))
check(r.returncode == 0, "no V: tool exits 0")
check("no V" in r.stdout, "no V: a note says so")
with open(os.path.join(novd, "s.json")) as fh:
    s2 = json.load(fh)
with netCDF4.Dataset(nov) as ds:
    ds.set_auto_mask(False)
    check_summary(s2, ds, ["raster.png", "rates.png", "stimuli.png"], "noV")
check(s2["lfp"] is None, "no V: no LFP")
check("model_text" in s2["population_source"], "no V: populations from model_text")

# 3. user errors: exit 2 with a message
bad = os.path.join(figdir, "not_netcdf.nc")
with open(bad, "w") as fh:
    fh.write("hello\n")
for args, what in [((os.path.join(figdir, "missing.nc"),), "missing file"),
                   ((bad,), "not netCDF"),
                   ((nc, "--summary-only", "--window", "300:100"), "bad --window"),
                   ((nc, "--summary-only", "--lfp-pop", "nope"), "unknown --lfp-pop"),
                   ((nc, "--summary-only", "--neurons", "7"), "--neurons not recorded")]:
    r = run_tool(*args)
    check(r.returncode == 2 and "error" in r.stderr and "Traceback" not in r.stderr,
          f"exit 2 with a message: {what}")

# --summary-only writes no figures
r = run_tool(nc, "--summary-only", "--window", "100:200", "--neurons", "0,2", "--lfp-pop", "X")
check(r.returncode == 0 and "wrote:" not in r.stdout and "100-200 ms" in r.stdout,
      "--summary-only with --window/--neurons/--lfp-pop")

print(f"{len(fails)} failure(s)")
sys.exit(1 if fails else 0)
