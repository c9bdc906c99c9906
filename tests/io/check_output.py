"""Read a psst output written by test_io_output with Python's netCDF4 (and
xarray when it is installed) and check its layout and values.

usage: /usr/bin/python3 check_output.py DIR/out.nc
Exit 77 (skipped) when netCDF4 or numpy cannot be imported.
"""
import sys

try:
    import numpy as np
    import netCDF4
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

path = sys.argv[1]
fails = []


def check(cond, what):
    if not cond:
        fails.append(what)
        print("FAIL:", what)


ds = netCDF4.Dataset(path)
check(ds.data_model == "NETCDF4", "data model NETCDF4")
check(ds.dimensions["time"].isunlimited(), "time unlimited")
check(ds.dimensions["spike"].isunlimited(), "spike unlimited")
check(len(ds.dimensions["time"]) == 12, "12 records")
check(len(ds.dimensions["neuron"]) == 10, "10 neurons")
check(ds.Conventions == "CF-1.8", "Conventions")
check(ds.title == "psst io test", "title attribute")
check(float(ds.wall_time_run) == 1.25, "wall_time_run attribute")

gid = ds["neuron_id"][:]
check(gid.dtype == np.int64, "neuron_id int64")
check(np.array_equal(gid, 10 * np.arange(10) + 3), "neuron ids")
check(np.array_equal(ds["neuron_population"][:], (np.arange(10) >= 5).astype(int)),
      "population indices")
check(np.array_equal(ds["neuron"][:], gid), "neuron coordinate = neuron ids")
check("population" not in ds.variables, "no variable named like the dimension 'population'")
names = netCDF4.chartostring(ds["population_name"][:])
check(list(names) == ["exc", "inhibitory"], f"population names {list(names)}")
t = ds["time"][:]
check(np.array_equal(t, 0.25 * np.arange(12)), "time values")
check(ds["time"].units == "ms", "time units")
row = np.arange(12)[:, None]
for k, name in enumerate(["V", "m"]):
    v = ds[name][:]
    check(v.shape == (12, 10), f"{name} shape")
    check(np.array_equal(v, 1000.0 * row + gid[None, :] + 0.5 * k),
          f"{name} values")
check(ds["V"].units == "mV", "V units")
st, sn = ds["spike_time"][:], ds["spike_neuron"][:]
exp_t, exp_n = [], []
for b in range(3):
    for i in range(10):
        for k in range((i + b) % 3):
            exp_t.append(100.0 * b + 0.25 * i + 10.0 * k)
            exp_n.append(10 * i + 3)
check(np.array_equal(st, exp_t), "spike times")
check(np.array_equal(sn, exp_n), "spike neurons")
ds.close()

try:
    import xarray
except ImportError:
    xarray = None
if xarray is not None:
    try:
        with xarray.open_dataset(path) as x:
            check(dict(x.sizes)["time"] == 12, "xarray sizes")
            check(float(x["V"][3, 2]) == 3000.0 + 23, "xarray V value")
    except Exception as e:  # report, do not crash
        check(False, f"xarray.open_dataset: {e!r}")

print("check_output.py:", "FAILED" if fails else "ok")
sys.exit(1 if fails else 0)
