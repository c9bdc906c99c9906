#!/usr/bin/env python3
"""psst_analyze.py: summary and figures for any psst output file.

usage: /usr/bin/python3 tools/psst_analyze.py OUT.nc [-o FIGDIR]
           [--neurons 0,5,17] [--window T0:T1] [--summary-only]
           [--json SUMMARY.json] [--lfp-pop NAME] [--block NAME]

Needs matplotlib, numpy and netCDF4 (Debian: python3-matplotlib,
python3-numpy, python3-netcdf4; run it with /usr/bin/python3, which sees
Debian's packages; `scripts/setup.sh --with-python` installs them).

Writes into FIGDIR (default: the current directory):
  raster.png          spikes of all neurons by population (y = global id)
  rates.png           population firing rates (Hz per neuron, 5 ms bins)
  stimuli.png         the injected currents of the model's amplitude, pulse
                      and odour stimuli (from the model text in the file)
  traces.png          V of chosen neurons (--neurons GIDS, default: up to 6
                      spread over the populations, spiking ones first)
  heatmap_<pop>.png   V of the recorded neurons of each population (time x neuron)
  lfp.png             LFP = mean V of the PN population (or --lfp-pop NAME,
                      --lfp-pop all: all recorded neurons; without a PN
                      population and --lfp-pop, no LFP) and its power spectrum
                      (Welch, Hann window) within the analysis window
Without V in the file, only the raster, the rates and the summary are made.
V is taken from the unnamed record block (time, V, neuron_id), else from the
first named block recording V (NAME_time, NAME_V, ...), or from --block NAME.

The analysis window (--window T0:T1 in ms, either side may be empty) is by
default the span from the first to the last spike, else the whole run.

Prints a summary (per population: neurons, spikes, mean rate over the run,
active neurons, the rate in the window and the mean ISI coefficient of
variation in the window over neurons with at least 3 spikes there; the window; the LFP peak frequency above 2 Hz and above
2/segment length, the Hann main lobe of the slow drift; the files
written); --json writes the same as JSON.

Exit status: 0 success, 2 user error (missing/unreadable file, a file without
spikes and V, bad options), 1 anything else.
"""
import argparse
import json
import os
import re
import sys

# psst_read (the population table): next to this file in the repository,
# in <prefix>/share/psst/tools when installed as <prefix>/bin/psst-analyze
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_here, os.path.join(_here, "..", "share", "psst", "tools")]
import psst_read  # noqa: E402

LFP_MIN_HZ = 2.0   # the LFP peak is searched above this frequency (and above
                   # 2 frequency bins of the Welch segment: the trend's leakage)
POP_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
               "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]


class UserError(Exception):
    """An error of the input or the options: exit 2."""


def die(msg, code=2):
    print(f"psst_analyze: error: {msg}", file=sys.stderr)
    sys.exit(code)


try:
    import numpy as np
    import netCDF4
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as e:  # pragma: no cover
    die(f"{e}; this tool needs numpy, netCDF4 and matplotlib: run it with "
        "/usr/bin/python3 (Debian: apt-get install python3-matplotlib "
        "python3-netcdf4 python3-numpy, or scripts/setup.sh --with-python)")


# ---------------------------------------------------------------------------
# reading


def _attr(ds, name, default=None):
    if name not in ds.ncattrs():
        return default
    v = ds.getncattr(name)
    if isinstance(v, np.ndarray) and v.size == 1:
        v = v.item()
    if isinstance(v, np.generic):
        v = v.item()
    return v


def _as_int(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return int(f) if f == int(f) else f


def _names(ds):
    if "population_name" not in ds.variables:
        return None
    raw = np.asarray(ds["population_name"][:])
    if raw.dtype.kind == "S" and raw.ndim == 2:
        rows = [b"".join(r.tolist()) for r in raw]
    else:
        rows = [r if isinstance(r, bytes) else str(r).encode() for r in raw.ravel()]
    names = [r.split(b"\0")[0].decode("utf-8", "replace").strip() for r in rows]
    return names


def parse_model_populations(text):
    """[(name, size)] of the model's populations in file order, or None."""
    if not text:
        return None
    try:
        import yaml
        doc = yaml.safe_load(text)
        pops = doc.get("populations") if isinstance(doc, dict) else None
        if isinstance(pops, list) and pops:
            return [(str(p["name"]), int(p["size"])) for p in pops]
    except ImportError:
        pass
    except Exception:
        pass
    # minimal fallback: the `populations:` block, one `- name:` item at a time
    m = re.search(r"^populations:\s*(#.*)?$(.*?)(?=^\S|\Z)", text, re.M | re.S)
    if not m:
        return None
    block = m.group(2)
    items = re.split(r"^\s*-\s+", block, flags=re.M)[1:]
    out = []
    for it in items:
        n = re.search(r"(?:^|[\s{,])name:\s*['\"]?([^'\"\s,}#]+)", it)
        z = re.search(r"(?:^|[\s{,])size:\s*(\d+)", it)
        if not n or not z:
            return None
        out.append((n.group(1), int(z.group(1))))
    return out or None


class Run:
    """The contents of one psst output file that the analysis uses."""

    def __init__(self, path, block=None):
        self.path = path
        self.want_block = block
        self.notes = []
        if not os.path.exists(path):
            raise UserError(f"{path}: no such file")
        try:
            ds = netCDF4.Dataset(path, "r")
        except (OSError, RuntimeError) as e:
            raise UserError(f"{path}: cannot read as netCDF ({e})")
        with ds:
            ds.set_auto_mask(False)
            self._read(ds)

    def _read(self, ds):
        v = ds.variables
        self.attrs = {}
        for k in ("t_end_ms", "dt_ms", "seed", "mpi_ranks", "model_file",
                  "neurons", "method", "backend", "record_every_steps",
                  "steps", "complete", "psst_version", "git_revision"):
            a = _attr(ds, k)
            if a is not None:
                self.attrs[k] = _as_int(a) if k in ("seed", "mpi_ranks", "neurons",
                                                    "record_every_steps", "steps") else a
        self.model_text = _attr(ds, "model_text")
        self.has_spikes = "spike_time" in v and "spike_neuron" in v
        pre = self._block_prefix(ds)
        self.block = pre[:-1] if pre else None
        vV, vt, vn = pre + "V", pre + "time", pre + "neuron_id"
        # the per-neuron population index: neuron_population (psst >= 0.2),
        # population in older files
        vp = pre + "neuron_population"
        if vp not in v and pre + "population" in v and \
                v[pre + "population"].dimensions == (pre + "neuron",):
            vp = pre + "population"
        self.has_V = vV in v and vt in v and vn in v
        if not self.has_spikes and not self.has_V:
            raise UserError(f"{self.path}: not a psst output with spikes or V "
                            "(needs spike_time/spike_neuron or time/V/neuron_id)")
        if _attr(ds, "complete") not in (None, "yes"):
            self.notes.append("file is not marked complete (interrupted run?)")
        self.time = np.asarray(v[vt][:], float) if vt in v else None
        self.V = np.asarray(v[vV][:], float) if self.has_V else None
        self.V_units = getattr(v[vV], "units", "mV") if self.has_V else "mV"
        self.rec_gid = np.asarray(v[vn][:], np.int64) if vn in v \
            else np.zeros(0, np.int64)
        self.rec_pop = np.asarray(v[vp][:], np.int64) if vp in v \
            else None
        if self.has_spikes:
            self.spike_t = np.asarray(v["spike_time"][:], float)
            self.spike_gid = np.asarray(v["spike_neuron"][:], np.int64)
        else:
            self.spike_t = np.zeros(0)
            self.spike_gid = np.zeros(0, np.int64)
            self.notes.append("no spikes in the file: no raster, no spike counts")
        if "t_end_ms" in self.attrs:
            self.t_end = float(self.attrs["t_end_ms"])
        elif self.time is not None and self.time.size:
            self.t_end = float(self.time[-1])
        else:
            self.t_end = float(self.spike_t.max()) if self.spike_t.size else 0.0
        self._populations(ds)

    def _block_prefix(self, ds):
        """Variable-name prefix of the record block analysed: "" for the
        unnamed block (time, V, neuron_id), "NAME_" for the block NAME
        (NAME_time, NAME_V, ...). --block picks one; by default the unnamed
        block, else the first named block that records V."""
        v = ds.variables
        named = [n[:-len("_neuron_id")] for n in v
                 if n.endswith("_neuron_id") and n != "neuron_id"
                 and n[:-len("neuron_id")] + "time" in v]
        if self.want_block is not None:
            if self.want_block == "":
                return ""
            if self.want_block not in named:
                have = ", ".join(named) if named else "none"
                raise UserError(f"{self.path}: no record block '{self.want_block}' "
                                f"(named blocks: {have})")
            return self.want_block + "_"
        if "neuron_id" in v or not named:
            return ""
        for b in named:
            if b + "_V" in v:
                return b + "_"
        return named[0] + "_"

    def _populations(self, ds):
        """self.pops: list of dicts name, index, first, size (global ids)."""
        names = _names(ds)
        n_total = self.attrs.get("neurons")
        n_total = int(n_total) if isinstance(n_total, (int, float)) else None
        model = parse_model_populations(self.model_text)
        pops = None
        gids = self.rec_gid
        full = (self.rec_pop is not None and n_total is not None and gids.size == n_total
                and np.array_equal(np.sort(gids), np.arange(n_total)))
        v = ds.variables
        if "population_first" in v and "population_size" in v:
            # the file's population table (psst_read reads it): no guessing
            pops = [{"index": i, "first": p["first"], "size": p["size"]}
                    for i, p in enumerate(psst_read._populations(ds))]
            self.pop_source = "population_first/population_size"
        elif full:
            npop = len(names) if names else int(self.rec_pop.max()) + 1
            pops = []
            for p in range(npop):
                g = gids[self.rec_pop == p]
                first = int(g.min()) if g.size else (pops[-1]["first"] + pops[-1]["size"]
                                                     if pops else 0)
                pops.append({"index": p, "first": first, "size": int(g.size)})
            self.pop_source = "recorded neuron_id/population (every neuron recorded)"
        elif model and (n_total is None or sum(s for _, s in model) == n_total):
            pops, first = [], 0
            for p, (nm, size) in enumerate(model):
                pops.append({"index": p, "first": first, "size": size, "model_name": nm})
                first += size
            self.pop_source = "model_text populations sizes"
        elif self.rec_pop is not None and gids.size:
            # last resort: populations start at their lowest recorded id
            npop = len(names) if names else int(self.rec_pop.max()) + 1
            starts = []
            for p in range(npop):
                g = gids[self.rec_pop == p]
                starts.append(int(g.min()) if g.size else None)
            top = max([n_total or 0, int(gids.max()) + 1,
                       int(self.spike_gid.max()) + 1 if self.spike_gid.size else 0])
            pops = []
            for p in range(npop):
                s = starts[p] if starts[p] is not None else 0
                nxt = [x for x in starts[p + 1:] if x is not None]
                e = nxt[0] if nxt else top
                pops.append({"index": p, "first": s if p else 0, "size": e - (s if p else 0)})
            self.pop_source = "guessed from the recorded neurons (no usable model_text)"
            self.notes.append("population id ranges guessed from recorded neurons; "
                              "spike counts per population may be approximate")
        else:
            top = max([n_total or 0, int(self.spike_gid.max()) + 1 if self.spike_gid.size else 0])
            pops = [{"index": 0, "first": 0, "size": top}]
            self.pop_source = "unknown (one population assumed)"
            self.notes.append("no population information: all neurons as one population")
        for p in pops:
            i = p["index"]
            if names and i < len(names) and names[i]:
                p["name"] = names[i]
            else:
                p["name"] = p.get("model_name", f"pop{i}")
            p.pop("model_name", None)
            p["colour"] = POP_COLOURS[i % len(POP_COLOURS)]
        self.pops = pops
        self.pop_by_name = {p["name"]: p for p in pops}

    def pop_of_gid(self, gid):
        """Population index of each global id (-1: none)."""
        gid = np.asarray(gid)
        out = np.full(gid.shape, -1, np.int64)
        for p in self.pops:
            out[(gid >= p["first"]) & (gid < p["first"] + p["size"])] = p["index"]
        return out

    def recorded_pop(self):
        if self.rec_pop is not None:
            return self.rec_pop
        return self.pop_of_gid(self.rec_gid)


# ---------------------------------------------------------------------------
# analysis


def parse_window(s, run):
    if s is None:
        if run.spike_t.size:
            return float(run.spike_t.min()), float(run.spike_t.max()), "auto: span of the spikes"
        return 0.0, run.t_end, "auto: whole run (no spikes)"
    m = re.fullmatch(r"\s*([-+0-9.eE]*)\s*:\s*([-+0-9.eE]*)\s*", s)
    if not m:
        raise UserError(f"--window '{s}': expected T0:T1 in ms (e.g. 100:800)")
    try:
        t0 = float(m.group(1)) if m.group(1) else 0.0
        t1 = float(m.group(2)) if m.group(2) else run.t_end
    except ValueError:
        raise UserError(f"--window '{s}': expected numbers T0:T1 in ms")
    if not t1 > t0:
        raise UserError(f"--window '{s}': T1 must be greater than T0")
    return t0, t1, "given (--window)"


def welch_psd(x, fs):
    """One-sided PSD of x (Welch: Hann window, 50 % overlap). -> f [Hz], P [units^2/Hz]."""
    x = np.asarray(x, float)
    n = x.size
    # segments of >= 0.5 s where the data allow (resolution <= 2 Hz), at
    # least 4 segments when the data are long, one segment otherwise
    seg = min(n, max(int(round(0.5 * fs)), n // 4))
    step = max(1, seg // 2)
    nfft = 1
    while nfft < 4 * seg:   # zero-padding: a finer grid to place the peak
        nfft *= 2
    w = np.hanning(seg)
    scale = 1.0 / (fs * np.sum(w * w))
    acc = np.zeros(nfft // 2 + 1)
    k = 0
    # segments spread evenly over all the data, overlapping by >= 50 %
    nseg = 1 + int(np.ceil((n - seg) / step))
    for s in np.linspace(0, n - seg, nseg).round().astype(int):
        y = x[s:s + seg]
        y = y - np.polyval(np.polyfit(np.arange(seg), y, 1), np.arange(seg))  # detrend
        acc += np.abs(np.fft.rfft(y * w, nfft)) ** 2
        k += 1
    P = acc * scale / max(k, 1)
    P[1:-1] *= 2.0   # one-sided (nfft even: the last bin is Nyquist)
    f = np.fft.rfftfreq(nfft, 1.0 / fs)
    return f, P, seg, k


def compute_lfp(run, lfp_pop, window):
    """LFP dict (or None with a note) from the recorded V."""
    if not run.has_V or run.time is None or run.time.size < 2:
        return None
    rp = run.recorded_pop()
    if lfp_pop is not None:
        if lfp_pop != "all" and lfp_pop not in run.pop_by_name:
            raise UserError(f"--lfp-pop '{lfp_pop}': no such population "
                            f"(populations: {', '.join(run.pop_by_name)}, or all)")
        name = lfp_pop
    elif "PN" in run.pop_by_name:
        name = "PN"
    else:
        # the LFP as the mean V of the PNs is the locust model's; elsewhere
        # only on request
        run.notes.append("no LFP: no population named PN (give --lfp-pop NAME, "
                         "or --lfp-pop all for the mean V of all recorded neurons)")
        return None
    if name == "all":
        name = None
    if name is not None:
        cols = np.flatnonzero(rp == run.pop_by_name[name]["index"])
        if cols.size == 0:
            run.notes.append(f"LFP: no recorded neuron of {name}; using all recorded neurons")
            name = None
    if name is None:
        cols = np.arange(run.V.shape[1])
        label = "all recorded neurons"
    else:
        label = name
    lfp = run.V[:, cols].mean(axis=1)
    t = run.time
    dt = float(np.median(np.diff(t)))
    fs = 1000.0 / dt   # Hz
    t0, t1 = window
    sel = (t >= t0) & (t <= t1)
    res = {"population": label, "neurons": int(cols.size), "t": t, "lfp": lfp,
           "sample_ms": dt, "peak_hz": None, "peak_power": None, "f": None, "P": None}
    if sel.sum() < 16:
        run.notes.append("LFP: fewer than 16 samples in the window; no spectrum")
        return res
    f, P, seg, k = welch_psd(lfp[sel], fs)
    res.update(f=f, P=P, segment_ms=seg * dt, segments=k)
    # below 2 Hz, and inside the Hann main lobe of the mean/trend (2 bins of
    # the segment's resolution), a "peak" is leakage of the slow drift
    fmin = max(LFP_MIN_HZ, 2.0 * fs / seg)
    res["min_hz"] = fmin
    ok = f >= fmin
    if ok.any() and np.any(P[ok] > 0):
        i = np.flatnonzero(ok)[np.argmax(P[ok])]
        res["peak_hz"] = float(f[i])
        res["peak_power"] = float(P[i])
    return res


def isi_cv(times, gids):
    """Mean coefficient of variation of the inter-spike intervals over the
    neurons with at least 3 spikes (2 intervals) in `times`; (cv, neurons)."""
    if times.size == 0:
        return None, 0
    order = np.lexsort((times, gids))
    t, g = times[order], gids[order]
    cvs = []
    bounds = np.flatnonzero(np.diff(g)) + 1
    for seg_t in np.split(t, bounds):
        if seg_t.size >= 3:
            isi = np.diff(seg_t)
            m = isi.mean()
            if m > 0:
                cvs.append(isi.std() / m)
    return (float(np.mean(cvs)) if cvs else None), len(cvs)


def population_stats(run, window=None):
    dur_s = run.t_end / 1000.0
    t0, t1 = window if window is not None else (0.0, run.t_end)
    win_s = (t1 - t0) / 1000.0
    inwin = (run.spike_t >= t0) & (run.spike_t < t1)
    spop = run.pop_of_gid(run.spike_gid)
    rp = run.recorded_pop() if run.rec_gid.size else np.zeros(0, np.int64)
    out = []
    for p in run.pops:
        sel = spop == p["index"]
        g = run.spike_gid[sel]
        nsp = int(g.size)
        wsel = sel & inwin
        nw = int(np.sum(wsel))
        cv, ncv = isi_cv(run.spike_t[wsel], run.spike_gid[wsel]) if run.has_spikes \
            else (None, 0)
        out.append({
            "name": p["name"], "index": p["index"],
            "first_gid": p["first"], "neurons": p["size"],
            "recorded": int(np.sum(rp == p["index"])),
            "spikes": nsp if run.has_spikes else None,
            "mean_rate_hz": (nsp / (p["size"] * dur_s) if p["size"] and dur_s > 0 else 0.0)
            if run.has_spikes else None,
            "active_neurons": int(np.unique(g).size) if run.has_spikes else None,
            "window_spikes": nw if run.has_spikes else None,
            "window_rate_hz": (nw / (p["size"] * win_s) if p["size"] and win_s > 0 else 0.0)
            if run.has_spikes else None,
            "isi_cv": cv,
            "isi_cv_neurons": ncv,
        })
    stray = int(np.sum(spop < 0))
    if stray:
        run.notes.append(f"{stray} spikes of ids outside every population")
    return out


# ---------------------------------------------------------------------------
# figures


def _save(fig, path, files):
    fig.savefig(path, dpi=120)
    plt.close(fig)
    files.append(path)


def _title(run, what):
    return f"{what} — {os.path.basename(run.path)}"


def plot_raster(run, window, path, files):
    total = sum(p["size"] for p in run.pops)
    fig, ax = plt.subplots(figsize=(10, 5 if total > 20 else 3.5))
    spop = run.pop_of_gid(run.spike_gid)
    n = run.spike_t.size
    ms = 1.0 if n > 20000 else (2.0 if n > 2000 else 6.0)
    for p in run.pops:
        s = spop == p["index"]
        if total <= 50:
            ax.plot(run.spike_t[s], run.spike_gid[s], "|", color=p["colour"],
                    markersize=14 if total <= 10 else 6, mew=1.5,
                    label=f"{p['name']} ({int(s.sum())} spikes)")
        else:
            ax.plot(run.spike_t[s], run.spike_gid[s], ".", color=p["colour"],
                    markersize=ms, mew=0, rasterized=True,
                    label=f"{p['name']} ({int(s.sum())} spikes)")
    for p in run.pops[1:]:
        ax.axhline(p["first"] - 0.5, color="0.5", lw=0.6)
    ax.set_xlim(0, run.t_end)
    ax.set_ylim(-0.5, max(total, 1) - 0.5)
    if total <= 12:
        ax.set_yticks(range(total))
        ax.set_yticklabels([f"{run.pops[run.pop_of_gid(g)]['name']}[{g - run.pops[run.pop_of_gid(g)]['first']}]"
                            if run.pop_of_gid(g) >= 0 else str(g) for g in range(total)])
        ax.set_ylabel("neuron")
    else:
        ax.set_ylabel("neuron (global id)")
        sec = ax.secondary_yaxis("right")
        sec.set_yticks([p["first"] + p["size"] / 2 - 0.5 for p in run.pops])
        sec.set_yticklabels([p["name"] for p in run.pops])
        sec.tick_params(length=0)
    for i, tw in enumerate(window):
        ax.axvline(tw, color="0.4", ls="--", lw=0.8, label="analysis window" if i == 0 else None)
    ax.set_xlabel("time [ms]")
    ax.set_title(_title(run, f"Spike raster: {n} spikes, {total} neurons"))
    ax.legend(loc="upper right", fontsize=8, framealpha=0.85, markerscale=1 if total <= 50 else 6.0 / ms)
    fig.tight_layout()
    _save(fig, path, files)


def choose_neurons(run, spec):
    rp = run.recorded_pop()
    gids = run.rec_gid
    if spec:
        want = []
        for tok in spec.split(","):
            tok = tok.strip()
            if not tok:
                continue
            try:
                want.append(int(tok))
            except ValueError:
                raise UserError(f"--neurons '{spec}': expected global ids like 0,5,17")
        missing = [g for g in want if g not in set(gids.tolist())]
        if missing:
            shown = ", ".join(map(str, gids[:20].tolist())) + (" ..." if gids.size > 20 else "")
            raise UserError(f"--neurons: {missing} not recorded (V recorded for: {shown})")
        return [int(np.flatnonzero(gids == g)[0]) for g in want]
    counts = np.bincount(run.spike_gid, minlength=int(gids.max()) + 1 if gids.size else 0) \
        if run.spike_gid.size else np.zeros(int(gids.max()) + 1 if gids.size else 0, int)
    per_pop = []
    for p in run.pops:
        cols = np.flatnonzero(rp == p["index"])
        c = counts[gids[cols]] if counts.size else np.zeros(cols.size)
        order = sorted(range(cols.size), key=lambda i: (0 if c[i] > 0 else 1, int(gids[cols[i]])))
        # spread: spiking neurons first, then the others spread over the ids
        spk = [cols[i] for i in order if c[i] > 0]
        quiet = [cols[i] for i in order if c[i] == 0]
        if len(spk) > 6:
            spk = [spk[j] for j in np.linspace(0, len(spk) - 1, 6).round().astype(int)]
        if len(quiet) > 6:
            quiet = [quiet[j] for j in np.linspace(0, len(quiet) - 1, 6).round().astype(int)]
        per_pop.append(spk + quiet)
    chosen = []
    while len(chosen) < 6 and any(per_pop):
        for lst in per_pop:
            if lst and len(chosen) < 6:
                chosen.append(int(lst.pop(0)))
    return sorted(chosen, key=lambda c: gids[c])


def plot_rates(run, window, path, files):
    """Population firing rate [Hz per neuron] in 5 ms bins over the run."""
    bin_ms = 5.0
    edges = np.arange(0.0, run.t_end + bin_ms, bin_ms)
    spop = run.pop_of_gid(run.spike_gid)
    fig, ax = plt.subplots(figsize=(10, 4))
    for p in run.pops:
        if not p["size"]:
            continue
        h, _ = np.histogram(run.spike_t[spop == p["index"]], edges)
        rate = h / (p["size"] * bin_ms / 1000.0)
        ax.step(edges[:-1], rate, where="post", color=p["colour"], lw=0.8,
                label=f"{p['name']} ({p['size']} neurons)")
    for t in window:
        if 0.0 < t < run.t_end:
            ax.axvline(t, color="0.3", ls="--", lw=0.8)
    ax.set_xlim(0, run.t_end)
    ax.set_xlabel("time [ms]")
    ax.set_ylabel(f"rate [Hz per neuron, {bin_ms:g} ms bins]")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(_title(run, "Population rates"))
    fig.tight_layout()
    _save(fig, path, files)


def plot_traces(run, cols, window, path, files):
    rp = run.recorded_pop()
    k = len(cols)
    fig, axes = plt.subplots(k, 1, figsize=(10, 1.0 + 1.5 * k), sharex=True, squeeze=False)
    for ax, c in zip(axes[:, 0], cols):
        g = int(run.rec_gid[c])
        p = run.pops[int(rp[c])] if 0 <= rp[c] < len(run.pops) else None
        col = p["colour"] if p else "k"
        ax.plot(run.time, run.V[:, c], color=col, lw=0.8)
        st = run.spike_t[run.spike_gid == g]
        if st.size:
            ax.plot(st, np.full(st.size, np.nanmax(run.V[:, c]) + 5), "v", color="k", ms=3)
        name = f"{p['name']}[{g - p['first']}]" if p else f"id {g}"
        ax.set_ylabel(f"V [{run.V_units}]")
        ax.text(0.005, 0.93, f"{name} (id {g}): {st.size} spikes", transform=ax.transAxes,
                va="top", fontsize=8, bbox=dict(fc="white", ec="none", alpha=0.7))
        ax.axvspan(window[0], window[1], color="0.93", zorder=0)
    axes[-1, 0].set_xlabel("time [ms]")
    axes[-1, 0].set_xlim(run.time[0], run.time[-1])
    axes[0, 0].set_title(_title(run, "Membrane potential (▼ = spike)"))
    fig.tight_layout()
    _save(fig, path, files)


def plot_heatmap(run, p, path, files):
    rp = run.recorded_pop()
    cols = np.flatnonzero(rp == p["index"])
    cols = cols[np.argsort(run.rec_gid[cols])]
    stride = max(1, run.time.size // 3000)
    V = run.V[::stride, cols].T
    t = run.time[::stride]
    fig, ax = plt.subplots(figsize=(10, 2.0 + min(4.0, 0.25 * cols.size)))
    dt = float(t[1] - t[0]) if t.size > 1 else 1.0
    im = ax.imshow(V, aspect="auto", origin="lower", interpolation="nearest", cmap="viridis",
                   extent=[t[0] - dt / 2, t[-1] + dt / 2, -0.5, cols.size - 0.5])
    cb = fig.colorbar(im, ax=ax, pad=0.01)
    cb.set_label(f"V [{run.V_units}]")
    ax.set_xlabel("time [ms]")
    ax.set_ylabel(f"recorded {p['name']} neuron")
    gids = run.rec_gid[cols]
    if cols.size <= 12:
        ax.set_yticks(range(cols.size))
        ax.set_yticklabels([f"{p['name']}[{g - p['first']}]" for g in gids])
    ax.set_title(_title(run, f"Population {p['name']}: V of {cols.size} of "
                             f"{p['size']} neurons"))
    fig.tight_layout()
    _save(fig, path, files)


def stimulus_traces(run):
    """The injected currents the model's stimuli describe, on the record
    times: [(label, t [ms], I [uA/cm^2])] for amplitude, pulses and odour
    stimuli (file and noise stimuli are notes: their values are not in the
    output)."""
    try:
        import yaml
        model = yaml.safe_load(run.model_text or "") or {}
    except Exception:   # no PyYAML, or a text that is not YAML
        return []
    stims = model.get("stimuli") or []
    if run.time is not None and run.time.size > 1:
        t = run.time
    else:
        t = np.linspace(0.0, run.t_end, 2001)
    out = []
    for i, st in enumerate(stims):
        if not isinstance(st, dict):
            continue
        tgt = st.get("target", "?")
        label = f"stimulus {i} -> {tgt if isinstance(tgt, str) else ', '.join(map(str, tgt))}"
        if "fraction" in st:
            label += f" (fraction {st['fraction']})"
        I = np.zeros_like(t)
        if "amplitude" in st:
            a = float(st["amplitude"])
            lo = float(st.get("start", -np.inf))
            hi = float(st.get("stop", np.inf))
            I[(t >= lo) & (t < hi)] = a
        elif "pulses" in st:
            for pu in st["pulses"]:
                I[(t >= float(pu["start"])) & (t < float(pu["stop"]))] += float(pu["amplitude"])
        elif "odour" in st:
            o = {"onset": 100, "offset": 600, "rise": 75, "decay": 150, "amplitude": 10,
                 "decay_coef": 0.9996}
            o.update(st["odour"] or {})
            on, off = float(o["onset"]), float(o["offset"])
            rise = (t >= on) & (t < off)
            I[rise] = 1.0 - np.exp(-(t[rise] - on) / float(o["rise"]))
            after = t >= off
            I[after] = float(o["decay_coef"]) * np.exp(-(t[after] - off) / float(o["decay"]))
            I *= float(o["amplitude"])
        else:
            kind = "noise" if "noise" in st else "file" if "file" in st else "?"
            run.notes.append(f"{label}: a {kind} stimulus, not drawn (its values "
                             "are not in the output)")
            continue
        out.append((label, t, I))
    return out


def plot_stimuli(run, traces, window, path, files):
    fig, ax = plt.subplots(figsize=(10, 2.2 + 0.4 * len(traces)))
    for label, t, I in traces:
        ax.step(t, I, where="post", lw=1.0, label=label)
    for x in window:
        if 0.0 < x < run.t_end:
            ax.axvline(x, color="0.3", ls="--", lw=0.8)
    ax.set_xlim(0, run.t_end)
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("injected current [uA/cm^2]")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(_title(run, "Stimuli"))
    fig.tight_layout()
    _save(fig, path, files)


def plot_lfp(run, lfp, window, path, files):
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 6.5),
                                 gridspec_kw={"height_ratios": [1, 1]})
    a1.plot(lfp["t"], lfp["lfp"], color="k", lw=0.8)
    a1.axvspan(window[0], window[1], color="0.9", zorder=0, label="analysis window")
    a1.set_xlim(lfp["t"][0], lfp["t"][-1])
    a1.set_xlabel("time [ms]")
    a1.set_ylabel(f"LFP = mean V [{run.V_units}]")
    a1.set_title(_title(run, f"LFP: mean V of {lfp['population']} "
                             f"({lfp['neurons']} recorded neurons)"))
    a1.legend(loc="upper right", fontsize=8)
    if lfp["f"] is not None:
        f, P = lfp["f"], lfp["P"]
        fmax = min(f[-1], 200.0)
        s = (f > 0) & (f <= fmax)
        a2.semilogy(f[s], np.maximum(P[s], 1e-30), color="k", lw=1)
        if lfp["population"] == "PN":
            a2.axvspan(20, 30, color="#ffe0b0", zorder=0, label="20-30 Hz (odour band)")
        fmin = lfp.get("min_hz", LFP_MIN_HZ)
        a2.axvspan(0, fmin, color="0.9", zorder=0, label=f"< {fmin:.3g} Hz excluded")
        if lfp["peak_hz"] is not None:
            a2.axvline(lfp["peak_hz"], color="r", ls="--", lw=1)
            a2.plot([lfp["peak_hz"]], [lfp["peak_power"]], "o", color="r",
                    label=f"peak {lfp['peak_hz']:.1f} Hz")
        a2.set_xlim(0, fmax)
        a2.set_xlabel("frequency [Hz]")
        a2.set_ylabel(f"power [{run.V_units}²/Hz]")
        a2.set_title(f"Power spectrum in {window[0]:.0f}-{window[1]:.0f} ms "
                     f"(Welch, Hann, {lfp['segments']} x {lfp['segment_ms']:.0f} ms)")
        a2.legend(loc="upper right", fontsize=8)
    else:
        a2.text(0.5, 0.5, "window too short for a spectrum", ha="center",
                transform=a2.transAxes)
        a2.set_axis_off()
    fig.tight_layout()
    _save(fig, path, files)


def safe_name(s):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s) or "pop"


# ---------------------------------------------------------------------------


def analyse(args):
    run = Run(args.file, args.block)
    t0, t1, wsrc = parse_window(args.window, run)
    stats = population_stats(run, (t0, t1))
    lfp = compute_lfp(run, args.lfp_pop, (t0, t1))
    files = []
    if not args.summary_only:
        os.makedirs(args.outdir, exist_ok=True)
        if run.has_spikes:
            plot_raster(run, (t0, t1), os.path.join(args.outdir, "raster.png"), files)
            plot_rates(run, (t0, t1), os.path.join(args.outdir, "rates.png"), files)
        traces = stimulus_traces(run)
        if traces:
            plot_stimuli(run, traces, (t0, t1), os.path.join(args.outdir, "stimuli.png"), files)
        if run.has_V:
            cols = choose_neurons(run, args.neurons)
            if cols:
                plot_traces(run, cols, (t0, t1), os.path.join(args.outdir, "traces.png"), files)
            rp = run.recorded_pop()
            for p in run.pops:
                if np.any(rp == p["index"]):
                    plot_heatmap(run, p, os.path.join(
                        args.outdir, f"heatmap_{safe_name(p['name'])}.png"), files)
            if lfp is not None:
                plot_lfp(run, lfp, (t0, t1), os.path.join(args.outdir, "lfp.png"), files)
        else:
            run.notes.append("no V in the file: no traces, heatmaps or LFP")
    elif args.neurons and run.has_V:
        choose_neurons(run, args.neurons)   # still validate
    summary = {
        "file": os.path.abspath(run.path),
        "attributes": run.attrs,
        "duration_ms": run.t_end,
        "population_source": run.pop_source,
        "populations": stats,
        "spikes_total": int(run.spike_t.size) if run.has_spikes else None,
        "record_block": run.block,
        "recorded_neurons": int(run.rec_gid.size),
        "has_V": bool(run.has_V),
        "window_ms": [t0, t1],
        "window_source": wsrc,
        "lfp": None if lfp is None else {
            "population": lfp["population"], "neurons": lfp["neurons"],
            "peak_hz": lfp["peak_hz"], "peak_power_mV2_per_Hz": lfp["peak_power"],
            "min_hz": lfp.get("min_hz", LFP_MIN_HZ),
            "segment_ms": lfp.get("segment_ms"), "segments": lfp.get("segments")},
        "files": [os.path.abspath(f) for f in files],
        "notes": run.notes,
    }
    return summary


def print_summary(s):
    a = s["attributes"]
    print(f"psst output {s['file']}")
    bits = [f"{k}={a[k]}" for k in ("model_file", "t_end_ms", "dt_ms", "seed", "mpi_ranks",
                                    "neurons") if k in a]
    print("  " + ", ".join(bits))
    print(f"  populations from {s['population_source']}")
    print(f"  {'population':<12} {'ids':>13} {'neurons':>8} {'recorded':>8} {'spikes':>8} "
          f"{'rate [Hz]':>10} {'active':>7} {'win. rate':>10} {'ISI CV':>7}")
    for p in s["populations"]:
        ids = f"{p['first_gid']}-{p['first_gid'] + p['neurons'] - 1}"
        rate = "-" if p["mean_rate_hz"] is None else f"{p['mean_rate_hz']:.3f}"
        spk = "-" if p["spikes"] is None else str(p["spikes"])
        act = "-" if p["active_neurons"] is None else str(p["active_neurons"])
        wr = "-" if p["window_rate_hz"] is None else f"{p['window_rate_hz']:.3f}"
        cv = "-" if p["isi_cv"] is None else f"{p['isi_cv']:.3f}"
        print(f"  {p['name']:<12} {ids:>13} {p['neurons']:>8} {p['recorded']:>8} {spk:>8} "
              f"{rate:>10} {act:>7} {wr:>10} {cv:>7}")
    print(f"  rates: spikes / (neurons x {s['duration_ms']:g} ms); window rate and ISI CV "
          "(mean over neurons with >= 3 spikes) in the window")
    if s.get("record_block"):
        print(f"  record block: {s['record_block']}")
    print(f"  window: {s['window_ms'][0]:g}-{s['window_ms'][1]:g} ms ({s['window_source']})")
    lf = s["lfp"]
    if lf is None:
        print("  LFP: none (no V)")
    else:
        pk = "none" if lf["peak_hz"] is None else f"{lf['peak_hz']:.2f} Hz"
        print(f"  LFP (mean V of {lf['population']}, {lf['neurons']} neurons): "
              f"peak {pk} (searched above {lf['min_hz']:.3g} Hz, in the window)")
    for n in s["notes"]:
        print(f"  note: {n}")
    if s["files"]:
        print("  wrote: " + ", ".join(s["files"]))


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="psst_analyze.py",
        description="Summary and figures (raster, population rates, traces, heatmaps, LFP) of a psst output.")
    ap.add_argument("file", metavar="OUT.nc", help="psst output file")
    ap.add_argument("-o", "--outdir", metavar="FIGDIR", default=".",
                    help="folder for the PNG figures (default: .)")
    ap.add_argument("--neurons", metavar="GIDS",
                    help="global ids of recorded neurons to trace, e.g. 0,5,17")
    ap.add_argument("--window", metavar="T0:T1",
                    help="analysis window [ms] for the LFP spectrum, window rates and ISI CV "
                         "(default: first to last spike, else the whole run)")
    ap.add_argument("--summary-only", action="store_true", help="no figures")
    ap.add_argument("--block", metavar="NAME",
                    help="record block whose V is traced (default: the unnamed block, "
                         "else the first named block recording V)")
    ap.add_argument("--json", metavar="SUMMARY.json", help="also write the summary as JSON")
    ap.add_argument("--lfp-pop", metavar="NAME",
                    help="population whose mean V is the LFP, or 'all' (default: PN "
                         "if present, else no LFP)")
    args = ap.parse_args(argv)
    try:
        s = analyse(args)
    except UserError as e:
        die(str(e))
    print_summary(s)
    if args.json:
        try:
            with open(args.json, "w") as fh:
                json.dump(s, fh, indent=2)
                fh.write("\n")
        except OSError as e:
            die(f"cannot write {args.json}: {e}")
        print(f"  summary: {os.path.abspath(args.json)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
