#!/usr/bin/env python3
"""psst_read.py: psst output files as xarray, NEO and SONATA.

As a module (put tools/ on sys.path, or use the installed share/psst/tools):

    import psst_read
    ds = psst_read.open_dataset("out.nc")            # xarray.Dataset
    ds.V.sel(population="PN")                        # V of the PNs (time x neuron)
    ds.V.sel(neuron=17)                              # one neuron, by global id
    sp = psst_read.spikes("out.nc")                  # xarray.Dataset over 'spike'
    psst_read.populations("out.nc")                  # [{name, first, size}, ...]
    blk = psst_read.to_neo("out.nc")                 # neo.Block
    psst_read.to_sonata("out.nc", "spikes.h5")       # SONATA spike file

As a command:

    psst_read.py summary OUT.nc [--block NAME]
    psst_read.py sonata OUT.nc SPIKES.h5 [--sorting by_time|by_id|none]
    psst_read.py neo OUT.nc OUT.pkl                  # NEO's PickleIO

open_dataset(path, block=None): one record block (README: "Several record
blocks"): the unnamed block by default, block NAME by name. Its variables
lose their NAME_ prefix; dimensions are `time` (ms) and `neuron` (global
ids), with per-neuron coordinates `population` (name, indexed: sel works)
and `population_index`. Attributes are the file's; `record_block` says
which block.

to_neo(path, block=None): one Segment holding a SpikeTrain per neuron of
every integrated or source population (annotations: gid, population) and an
AnalogSignal per recorded variable of the block (array annotations: gid,
population); a Group per population holds its trains and signals.

to_sonata(path, out): the spikes in the SONATA format, one HDF5 group per
population, /spikes/<population>/{timestamps [ms], node_ids (index within
the population)}, with the attribute `sorting`.

Needs numpy, netCDF4, xarray, neo and quantities, h5py (Debian:
python3-numpy python3-netcdf4 python3-xarray python3-neo python3-h5py; run
with /usr/bin/python3). Files of psst 0.1 (per-neuron `population`, no
population_first/size) are read too: populations then come from the
population index of the recorded neurons, or from the spikes.

Exit status of the command: 0 success, 2 user error, 1 anything else.
"""
import argparse
import os
import sys

import numpy as np

# ---------------------------------------------------------------------------
# the file


class UserError(Exception):
    """A bad file or argument: exit 2."""


def _nc(path):
    try:
        import netCDF4
    except ImportError as e:
        raise UserError(f"netCDF4 is needed ({e}); Debian: python3-netcdf4")
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file")
    try:
        ds = netCDF4.Dataset(path, "r")
    except OSError as e:
        raise UserError(f"{path}: cannot read as netCDF ({e})")
    ds.set_auto_mask(False)
    return ds


def _names(ds):
    if "population_name" not in ds.variables:
        return []
    raw = np.asarray(ds["population_name"][:])
    out = []
    for row in raw:
        out.append(b"".join(c for c in row if c not in (b"", b"\0")).decode())
    return out


def _blocks(ds):
    """Record blocks of a file: prefix "" (unnamed) and "NAME_" for each
    named block (a NAME_time dimension with a NAME_neuron partner)."""
    out = []
    if "time" in ds.dimensions:
        out.append("")
    for d in ds.dimensions:
        if d.endswith("_time") and d != "time":
            pre = d[: -len("time")]
            if pre + "neuron" in ds.dimensions or pre + "neuron_id" in ds.variables:
                out.append(pre)
    return out


def _prefix(ds, path, block):
    blocks = _blocks(ds)
    if block is None:
        if "" in blocks:
            return ""
        if blocks:
            return blocks[0]
        raise UserError(f"{path}: no record block")
    pre = "" if block == "" else block + "_"
    if pre not in blocks:
        have = ", ".join(b[:-1] if b else "(unnamed)" for b in blocks) or "none"
        raise UserError(f"{path}: no record block '{block}' (blocks: {have})")
    return pre


def _neuron_pop_var(ds, pre):
    for n in (pre + "neuron_population", pre + "population"):
        if n in ds.variables and ds[n].dimensions == (pre + "neuron",):
            return n
    return None


def _populations(ds):
    names = _names(ds)
    v = ds.variables
    if "population_first" in v and "population_size" in v:
        first = np.asarray(v["population_first"][:], np.int64)
        size = np.asarray(v["population_size"][:], np.int64)
        return [{"name": names[i] if i < len(names) else f"pop{i}",
                 "first": int(first[i]), "size": int(size[i])} for i in range(len(first))]
    # psst 0.1: from the recorded neurons' population index (exact only when
    # every neuron is recorded), else one population per name
    gid = pop = None
    for pre in _blocks(ds):
        pv = _neuron_pop_var(ds, pre)
        if pv and pre + "neuron_id" in v:
            gid = np.asarray(v[pre + "neuron_id"][:], np.int64)
            pop = np.asarray(v[pv][:], np.int64)
            break
    n_total = int(ds.getncattr("neurons")) if "neurons" in ds.ncattrs() else None
    out = []
    for i, nm in enumerate(names or ["pop0"]):
        g = gid[pop == i] if gid is not None else np.zeros(0, np.int64)
        out.append({"name": nm, "first": int(g.min()) if g.size else -1,
                    "size": int(g.size)})
    if n_total is not None and len(out) == 1 and out[0]["size"] != n_total:
        out[0].update(first=0, size=n_total)
    return out


def populations(path):
    """The populations of an output: [{name, first, size}] (global ids)."""
    with _nc(path) as ds:
        return _populations(ds)


def _pop_of(gids, pops):
    idx = np.full(np.shape(gids), -1, np.int64)
    for i, p in enumerate(pops):
        if p["first"] >= 0:
            idx[(gids >= p["first"]) & (gids < p["first"] + p["size"])] = i
    return idx


# ---------------------------------------------------------------------------
# xarray


def _xr():
    try:
        import xarray
    except ImportError as e:
        raise UserError(f"xarray is needed ({e}); Debian: python3-xarray")
    return xarray


def open_dataset(path, block=None):
    """One record block as an xarray.Dataset (see the module's help)."""
    xr = _xr()
    with _nc(path) as ds:
        pre = _prefix(ds, path, block)
        pops = _populations(ds)
        names = [p["name"] for p in pops]
        v = ds.variables
        tname, nname = pre + "time", pre + "neuron"
        time = np.asarray(v[tname][:], float) if tname in v else np.zeros(0)
        gid = np.asarray(v[pre + "neuron_id"][:], np.int64) if pre + "neuron_id" in v \
            else np.zeros(0, np.int64)
        pv = _neuron_pop_var(ds, pre)
        pidx = np.asarray(v[pv][:], np.int64) if pv else _pop_of(gid, pops)
        data = {}
        skip = {tname, nname, pre + "neuron_id", pv}
        for name, var in v.items():
            if name in skip or var.dimensions != (tname, nname):
                continue
            attrs = {a: var.getncattr(a) for a in var.ncattrs()}
            data[name[len(pre):]] = (("time", "neuron"), np.asarray(var[:], float), attrs)
        attrs = {a: ds.getncattr(a) for a in ds.ncattrs()}
        t_attrs = {a: v[tname].getncattr(a) for a in v[tname].ncattrs()} if tname in v else {}
    attrs["record_block"] = pre[:-1] if pre else ""
    coords = {
        "time": ("time", time, t_attrs),
        "neuron": ("neuron", gid, {"long_name": "global neuron id"}),
        "population": ("neuron", np.array([names[i] if 0 <= i < len(names) else ""
                                           for i in pidx], dtype=object),
                       {"long_name": "population name"}),
        "population_index": ("neuron", pidx, {"long_name": "population index"}),
    }
    out = xr.Dataset(data_vars=data, coords=coords, attrs=attrs)
    return out.set_xindex("population")


def _read_spikes(path, required=True):
    """(populations, spike times [ms], global ids, population index of each
    spike) of a file; with required, no spike variables is a UserError."""
    with _nc(path) as ds:
        pops = _populations(ds)
        if "spike_time" not in ds.variables:
            if required:
                raise UserError(f"{path}: no spikes recorded (record.spikes: false)")
            return pops, np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
        t = np.asarray(ds["spike_time"][:], float)
        g = np.asarray(ds["spike_neuron"][:], np.int64)
    return pops, t, g, _pop_of(g, pops)


def spikes(path):
    """The spikes as an xarray.Dataset over dimension 'spike': time [ms],
    neuron (global id), population (name), in the file's order."""
    xr = _xr()
    pops, t, g, pi = _read_spikes(path)
    names = np.array([p["name"] for p in pops] + [""], dtype=object)
    return xr.Dataset({"time": ("spike", t, {"units": "ms"}),
                       "neuron": ("spike", g, {"long_name": "global neuron id"}),
                       "population": ("spike", names[pi])})


# ---------------------------------------------------------------------------
# NEO

_QUANT = {"mV": "mV", "ms": "ms", "1": "dimensionless", "mmol/L": "mM", "mM": "mM",
          "mS/cm^2": "mS/cm**2", "uA/cm^2": "uA/cm**2"}


def to_neo(path, block=None):
    """A neo.Block: spike trains of every neuron and the block's signals."""
    try:
        import neo
        import quantities as pq
    except ImportError as e:
        raise UserError(f"neo and quantities are needed ({e}); Debian: python3-neo")
    with _nc(path) as ds:
        attrs = {a: ds.getncattr(a) for a in ds.ncattrs()}
    pops, t, g, _ = _read_spikes(path, required=False)
    t_end = float(attrs.get("t_end_ms", t.max() if t.size else 0.0))
    blk = neo.Block(name=os.path.basename(path), file_origin=path,
                    description="psst output",
                    **{k: (v.item() if hasattr(v, "item") else v)
                       for k, v in attrs.items() if k not in ("model_text",)})
    seg = neo.Segment(name="run")
    blk.segments.append(seg)
    groups = {p["name"]: neo.Group(name=p["name"]) for p in pops}
    blk.groups.extend(groups.values())
    order = np.lexsort((t, g))
    t, g = t[order], g[order]
    for p in pops:
        if p["first"] < 0:
            continue
        lo = np.searchsorted(g, p["first"])
        hi = np.searchsorted(g, p["first"] + p["size"])
        starts = np.searchsorted(g[lo:hi], np.arange(p["first"], p["first"] + p["size"]))
        ends = np.append(starts[1:], hi - lo)
        for k in range(p["size"]):
            times = t[lo + starts[k]:lo + ends[k]]
            st = neo.SpikeTrain(times * pq.ms, t_start=0 * pq.ms,
                                t_stop=max(t_end, float(times.max()) if times.size else 0)
                                * pq.ms, name=f"{p['name']}[{k}]")
            st.annotate(gid=int(p["first"] + k), population=p["name"])
            seg.spiketrains.append(st)
            groups[p["name"]].spiketrains.append(st)
    try:
        ds_x = open_dataset(path, block)
    except UserError:
        ds_x = None
    if ds_x is not None and ds_x.sizes.get("neuron", 0) and ds_x.sizes.get("time", 0) > 1:
        tt = ds_x["time"].values
        period = float(tt[1] - tt[0])
        for name, da in ds_x.data_vars.items():
            unit = _QUANT.get(str(da.attrs.get("units", "1")), "dimensionless")
            sig = neo.AnalogSignal(da.values * pq.Quantity(1, unit),
                                   sampling_period=period * pq.ms,
                                   t_start=float(tt[0]) * pq.ms, name=name,
                                   description=str(da.attrs.get("long_name", name)))
            sig.array_annotate(gid=ds_x["neuron"].values,
                               population=ds_x["population"].values.astype(str))
            seg.analogsignals.append(sig)
            for p in pops:
                cols = np.flatnonzero(ds_x["population"].values == p["name"])
                if cols.size:
                    groups[p["name"]].analogsignals.append(sig[:, cols])
    return blk


# ---------------------------------------------------------------------------
# SONATA


def to_sonata(path, out, sorting="by_time"):
    """Write the spikes as a SONATA spike file (HDF5) at out."""
    try:
        import h5py
    except ImportError as e:
        raise UserError(f"h5py is needed ({e}); Debian: python3-h5py")
    if sorting not in ("by_time", "by_id", "none"):
        raise UserError(f"sorting '{sorting}': one of by_time, by_id, none")
    pops, t, g, pi = _read_spikes(path)
    tmp = out + ".tmp"
    with h5py.File(tmp, "w") as f:
        top = f.create_group("spikes")
        for i, p in enumerate(pops):
            sel = pi == i
            ts, ids = t[sel], (g[sel] - p["first"]).astype(np.uint64)
            if sorting == "by_time":
                o = np.lexsort((ids, ts))
            elif sorting == "by_id":
                o = np.lexsort((ts, ids))
            else:
                o = np.arange(ts.size)
            grp = top.create_group(p["name"])
            grp.attrs["sorting"] = sorting
            d = grp.create_dataset("timestamps", data=ts[o])
            d.attrs["units"] = "ms"
            grp.create_dataset("node_ids", data=ids[o])
    os.replace(tmp, out)
    return out


# ---------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(prog="psst_read.py",
                                 description="psst outputs as xarray, NEO and SONATA")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("summary", help="print the xarray view of a record block")
    s.add_argument("file")
    s.add_argument("--block")
    s = sub.add_parser("sonata", help="write the spikes as a SONATA file")
    s.add_argument("file")
    s.add_argument("out")
    s.add_argument("--sorting", default="by_time")
    s = sub.add_parser("neo", help="write a neo.Block with NEO's PickleIO")
    s.add_argument("file")
    s.add_argument("out")
    s.add_argument("--block")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "summary":
            print(open_dataset(a.file, a.block))
            print(populations(a.file))
        elif a.cmd == "sonata":
            to_sonata(a.file, a.out, a.sorting)
            print(f"wrote {a.out}")
        else:
            import neo
            blk = to_neo(a.file, a.block)
            neo.io.PickleIO(a.out).write_block(blk)
            print(f"wrote {a.out}: {len(blk.segments[0].spiketrains)} spike trains, "
                  f"{len(blk.segments[0].analogsignals)} signals")
    except UserError as e:
        print(f"psst_read: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
