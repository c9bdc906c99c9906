#!/usr/bin/env python3
"""check_readers.py TOOLS_DIR OUT.nc WORKDIR: the output through the tools
users open it with, and tools/psst_read.py's xarray, NEO and SONATA views.

OUT.nc is the E/I example's output (3 populations, one a spike source,
analysis_ei_run). Checks, each against the netCDF file read directly:
  1. nccopy -d 4 and ncks -4 -L 4 rewrite it (a variable named like a
     dimension that is not its coordinate breaks both), and the copies hold
     the same V; every `units` attribute parses with udunits2;
     xarray.open_dataset opens it raw; integer attributes are integers;
  2. psst_read.open_dataset: V, time, neuron ids; sel(population="I")
     selects exactly the recorded I neurons;
  3. psst_read.spikes and populations: counts per population;
  4. psst_read.to_neo: one SpikeTrain per neuron with that neuron's spikes,
     a Group per population, the AnalogSignal equal to V in mV;
  5. psst_read.to_sonata, read back with h5py: per population the same
     (node, time) pairs, node_ids within the population, sorted by time;
  6. the command line: sonata writes a file, a missing file and an unknown
     block exit 2.
Exit 77 (skip) when xarray, neo, h5py, nccopy, ncks or udunits2 is missing.
"""
import os
import shutil
import subprocess
import sys

try:
    import h5py
    import netCDF4
    import neo  # noqa: F401
    import numpy as np
    import xarray as xr
except ImportError as e:
    print(f"skip: {e}")
    sys.exit(77)
for tool in ("nccopy", "ncks", "udunits2"):
    if not shutil.which(tool):
        print(f"skip: {tool} not found (Debian: netcdf-bin, nco, udunits-bin)")
        sys.exit(77)

tools, out, work = sys.argv[1:4]
sys.path.insert(0, tools)
import psst_read  # noqa: E402

os.makedirs(work, exist_ok=True)
fail = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fail.append(what)


with netCDF4.Dataset(out) as ds:
    ds.set_auto_mask(False)
    V = np.asarray(ds["V"][:])
    t = np.asarray(ds["time"][:])
    gid = np.asarray(ds["neuron_id"][:])
    pidx = np.asarray(ds["neuron_population"][:])
    st = np.asarray(ds["spike_time"][:])
    sn = np.asarray(ds["spike_neuron"][:])
    first = np.asarray(ds["population_first"][:])
    size = np.asarray(ds["population_size"][:])
    names = [n for n in netCDF4.chartostring(ds["population_name"][:])]
    units = sorted({ds[v].units for v in ds.variables if "units" in ds[v].ncattrs()})
    int_atts = {a: ds.getncattr(a) for a in ("mpi_ranks", "seed", "neurons", "steps")}
check(names == ["E", "I", "X"], f"population names {names}")
check(list(first) == [0, 3200, 4000] and list(size) == [3200, 800, 1000],
      f"population_first {list(first)}, population_size {list(size)}")

# 1. real tools
for cmd, copy in ((["nccopy", "-d", "4", out], "d4.nc"), (["ncks", "-O", "-4", "-L", "4", out], "ks.nc")):
    dst = os.path.join(work, copy)
    r = subprocess.run(cmd + [dst], capture_output=True, text=True)
    check(r.returncode == 0, f"{' '.join(cmd[:-1])}: exit {r.returncode} {r.stderr.strip()[:200]}")
    if r.returncode == 0:
        with netCDF4.Dataset(dst) as c:
            check(np.array_equal(np.asarray(c["V"][:]), V), f"{copy}: V unchanged")
for u in units:
    r = subprocess.run(["udunits2", "-H", u, "-W", ""], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    check(r.returncode == 0, f"udunits2 parses units '{u}'")
raw = xr.open_dataset(out)
check("neuron" in raw.coords and raw.sizes["neuron"] == gid.size,
      "xarray.open_dataset: neuron is a coordinate")
raw.close()
for a, v in int_atts.items():
    check(isinstance(v, (np.integer, int)), f"attribute {a} is an integer ({type(v).__name__})")

# 2. xarray view
x = psst_read.open_dataset(out)
check(np.array_equal(x.V.values, V) and np.array_equal(x.time.values, t)
      and np.array_equal(x.neuron.values, gid), "open_dataset: V, time, neuron ids")
xi = x.V.sel(population="I")
want = gid[(gid >= 3200) & (gid < 4000)]
check(np.array_equal(xi.neuron.values, want) and np.array_equal(
    xi.values, V[:, (gid >= 3200) & (gid < 4000)]), f"sel(population='I'): {want.size} neurons")
check(np.array_equal(x.population_index.values, pidx), "population_index = neuron_population")
g17 = int(gid[3])
check(np.array_equal(x.V.sel(neuron=g17).values, V[:, 3]), f"sel(neuron={g17})")

# 3. spikes, populations
sp = psst_read.spikes(out)
for i, nm in enumerate(names):
    n = int(((sn >= first[i]) & (sn < first[i] + size[i])).sum())
    check(int((sp.population.values == nm).sum()) == n, f"spikes of {nm}: {n}")
check([p["size"] for p in psst_read.populations(out)] == list(size), "populations()")

# 4. NEO
blk = psst_read.to_neo(out)
seg = blk.segments[0]
check(len(seg.spiketrains) == int(size.sum()), f"{len(seg.spiketrains)} spike trains")
check(sum(len(s) for s in seg.spiketrains) == st.size, f"all {st.size} spikes in the trains")
rng = np.random.default_rng(1)
ok = True
for k in rng.choice(int(size.sum()), 25, replace=False):
    s = seg.spiketrains[k]
    mine = np.sort(st[sn == s.annotations["gid"]])
    ok &= np.array_equal(np.sort(s.times.rescale("ms").magnitude), mine)
check(ok, "25 random trains hold their neuron's spikes")
check([len(g.spiketrains) for g in blk.groups] == list(size), "a Group per population")
sig = [a for a in seg.analogsignals if a.name == "V"]
check(len(sig) == 1 and np.array_equal(sig[0].rescale("mV").magnitude, V)
      and np.array_equal(sig[0].array_annotations["gid"], gid), "AnalogSignal V (mV, gids)")

# 5. SONATA
son = os.path.join(work, "spikes.h5")
psst_read.to_sonata(out, son)
with h5py.File(son, "r") as f:
    check(sorted(f["spikes"].keys()) == sorted(names), "SONATA: a group per population")
    for i, nm in enumerate(names):
        grp = f["spikes"][nm]
        ts, ids = grp["timestamps"][:], grp["node_ids"][:].astype(np.int64)
        sel = (sn >= first[i]) & (sn < first[i] + size[i])
        a = sorted(zip(ids + first[i], ts))
        b = sorted(zip(sn[sel], st[sel]))
        check(a == b and (ids.size == 0 or ids.max() < size[i]) and np.all(np.diff(ts) >= 0)
              and grp.attrs["sorting"] == "by_time" and grp["timestamps"].attrs["units"] == "ms",
              f"SONATA {nm}: {ts.size} spikes, node ids within the population, by time")

# 6. command line
tool = os.path.join(tools, "psst_read.py")
r = subprocess.run([sys.executable, tool, "sonata", out, os.path.join(work, "cli.h5")],
                   capture_output=True, text=True)
check(r.returncode == 0 and os.path.exists(os.path.join(work, "cli.h5")), "psst_read.py sonata")
r = subprocess.run([sys.executable, tool, "summary", os.path.join(work, "nope.nc")],
                   capture_output=True, text=True)
check(r.returncode == 2 and "no such file" in r.stderr, "missing file: exit 2")
r = subprocess.run([sys.executable, tool, "summary", out, "--block", "zz"],
                   capture_output=True, text=True)
check(r.returncode == 2 and "no record block 'zz'" in r.stderr, "unknown block: exit 2")

if fail:
    print(f"{len(fail)} check(s) failed")
    sys.exit(1)
print("all checks passed")
