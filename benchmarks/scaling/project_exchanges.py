#!/usr/bin/env python3
"""Project wall time per RK4 step to a cluster for three ways of moving
what the ranks need of each other (issue 13, "Past one rack"): the full
exchange (allgather), the halo exchange, and a spike-id exchange (NOT
implemented in psst: a projection only). Prints Markdown tables and, per N
and exchange, the largest rank count at which the efficiency stays at or
above 50 %. Pure computation (Python 3 stdlib).

    project_exchanges.py [--indegree 100] [--window 1000] [--rate 10]
                         [--dt 0.01] [--delay-steps 100]
                         [--check-volumes FILE]

The compute and interconnect constants (t_n, t_s, t_r, alpha, beta) are
imported from benchmarks/comm/project.py, which documents where they come
from (benchmarks/README.md, "Communication model").

Network: N hh_tutorial-like neurons, fixed in-degree k (default 100), so
S = k N synapses; N = 1e6, 1e7, 1e8; P = 64, 256, 1024, 4096 ranks.

Per step and rank (seconds):
  compute     C = (N t_n + k N t_s) / P                 (as project.py)
  replicated  R = N t_r: O(N) work psst still does on every rank (spike
              detection, voltage check, per-presynaptic receptor states).
              Not part of the efficiency C / (C + E) asked for; the column
              C / (C + R) is the bound it sets on its own today.
  exchange    E, per exchange below; efficiency C / (C + E).

Graded synapses (gaba_a: they read presynaptic V at every RK4 stage, so a
step needs X = 4 stage exchanges):
  allgather   E = 4 (alpha log2 P + 8 N / beta)         (project.py's exch:
              recursive doubling / Bruck latency, bandwidth-optimal volume,
              (P-1)/P rounded up to 1)
  halo        each rank receives only the voltages of the remote neurons its
              targets read, 8 B each, by one neighbourhood alltoallv per
              stage; each neighbour is one message of latency alpha:
              E_stage = m alpha + 8 H / beta, for H remote sources and m
              neighbour ranks.
    random    N/P targets draw k N / P sources uniformly from N, so the
              expected number of distinct remote ones is
              H = (N - N/P) (1 - (1 - 1/N)^(k N / P)) and of distinct
              remote ranks m = (P - 1) (1 - (1 - 1/P)^(k N / P))
              (<= min(P - 1, k N / P); equal to P - 1 in every row here).
    local     sources within a window of w neurons on either side of the
              target (default w = 1000): an interior rank receives
              H = min(2 w, N - N/P), independent of P, from
              m = min(P - 1, 2 ceil(w P / N)) neighbours (2 while a rank
              holds more than w neurons); at P = 2 one side: w.
    "psst today": the end-of-step exchange of V stays the full one (spike
              detection is replicated), so a step is 3 halo + 1 allgather;
              "4 halo": all four stages by halo, which needs owner-side spike
              detection plus a spike-id exchange for the firing times (not
              implemented; its small cost is not added).
Spike-triggered synapses (exp_cond, exp2_cond, ach_*: they need only who
fired, so psst today does X = 1 full exchange of V per step):
  allgather   E = alpha log2 P + 8 N / beta             (X = 1, psst today)
  spike ids   NOT IMPLEMENTED in psst. Each rank detects the spikes of its
              own neurons and all ranks allgather the ids: r dt N spikes per
              step (r = 10 Hz, dt = 0.01 ms: 1e-4 N), 4 B per id, or 8 B
              (id + step offset) when batched. Every rank receives all of
              them and keeps what its targets need (an upper bound on the
              volume). Variable counts cost two collectives (counts, then
              ids): 2 alpha log2 P of latency. Per step (D = 1):
              E = 2 alpha log2 P + 4 r dt N / beta. Batched once per
              min-delay window of D steps (allowed when every delay is
              >= D dt; default D = 100, 1 ms):
              E = 2 alpha log2 P / D + 8 r dt N / beta per step.
Not modelled: load imbalance and noise (each step is bounded by the slowest
rank), overlap of exchange with compute (psst overlaps the stage exchange
with the local half of the stage, which would lift every efficiency
below), contention of many ranks per node on one NIC (effective beta up to
ranks-per-node times smaller; see project.py), and memory (the N-long
arrays every rank holds today: benchmarks/scaling/memory.py).

--check-volumes FILE reads the Markdown tables that
benchmarks/scaling/exchange_volume.py prints (saved output, or a file that
quotes it, such as benchmarks/README.md) and compares the measured halo
volumes with H above (random: the formula; local: 2 x its --halo-width,
read from the table's header; compared with the busiest rank).
"""
import argparse
import math
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "comm"))
import project  # noqa: E402  (benchmarks/comm/project.py: measured constants)

T_N, T_S, T_R = project.T_N, project.T_S, project.T_R   # s per neuron-, synapse-, neuron-step
LOW, MID, HIGH = project.LOW, project.MID, project.HIGH  # (alpha s, beta B/s)
fmt = project.fmt

NS = (1e6, 1e7, 1e8)             # neurons
PS = (64, 256, 1024, 4096)       # ranks in the tables
SEARCH = [2 ** i for i in range(1, 21)]   # ranks searched for the 50 % limit
STAGES = 4                        # RK4 stage exchanges per step (graded synapses)
SPIKE_ROUNDS = 2                  # collectives per spike-id exchange (counts, ids)


def compute(n, p, k):
    """C [s per step and rank]."""
    return (n * T_N + k * n * T_S) / p


def allgather(n, p, x, ab):
    """x full exchanges of 8N bytes [s per step]."""
    return project.exch(n, p, x, ab)


def halo_random(n, p, k):
    """(H remote sources [neurons], m neighbour ranks) for random sources."""
    draws = k * n / p
    h = (n - n / p) * (1.0 - (1.0 - 1.0 / n) ** draws)
    m = (p - 1) * (1.0 - (1.0 - 1.0 / p) ** draws)
    return h, m


def halo_local(n, p, w):
    """(H, m) for sources within w neurons either side of the target."""
    sides = min(2, p - 1)                        # the first and last rank: one side
    h = min(sides * w, n - n / p)
    m = min(p - 1, sides * math.ceil(w * p / n))
    return h, m


def halo_stage(h, m, ab):
    """One halo exchange of h doubles from m neighbours [s]."""
    a, b = ab
    return m * a + 8.0 * h / b


def spike_ids(n, p, rate_hz, dt_ms, d, ab):
    """Spike-id exchange per step [s], batched over d steps (d = 1: per step)."""
    a, b = ab
    spikes = rate_hz * dt_ms * 1e-3 * n          # spikes per step (whole network)
    per_id = 4.0 if d == 1 else 8.0              # B: gid (+ step offset)
    return SPIKE_ROUNDS * a * math.log2(p) / d + per_id * spikes / b


def exchanges(a):
    """(table title, [(exchange name, E(n, p, ab))]) per table."""
    k, w = a.indegree, a.window

    def hr(n, p, ab, halos):
        h, m = halo_random(n, p, k)
        return halos * halo_stage(h, m, ab) + allgather(n, p, STAGES - halos, ab)

    def hl(n, p, ab, halos):
        h, m = halo_local(n, p, w)
        return halos * halo_stage(h, m, ab) + allgather(n, p, STAGES - halos, ab)

    return [
        (f"(1) graded synapses (gaba_a), random sources, fixed in-degree {k}: "
         f"{STAGES} stage exchanges per step",
         [("allgather", lambda n, p, ab: allgather(n, p, STAGES, ab)),
          ("halo, psst today (3 halo + 1 full)", lambda n, p, ab: hr(n, p, ab, 3)),
          ("halo, 4 stages", lambda n, p, ab: hr(n, p, ab, 4))]),
        (f"(2) graded synapses (gaba_a), local sources (window +-{w}), fixed "
         f"in-degree {k}: {STAGES} stage exchanges per step",
         [("allgather", lambda n, p, ab: allgather(n, p, STAGES, ab)),
          ("halo, psst today (3 halo + 1 full)", lambda n, p, ab: hl(n, p, ab, 3)),
          ("halo, 4 stages", lambda n, p, ab: hl(n, p, ab, 4))]),
        (f"(3) spike-triggered synapses, any connectivity, fixed in-degree {k}, "
         f"{a.rate:g} Hz: spike ids are NOT implemented in psst (projection)",
         [("allgather (1 per step, psst today)", lambda n, p, ab: allgather(n, p, 1, ab)),
          ("spike ids, every step",
           lambda n, p, ab: spike_ids(n, p, a.rate, a.dt, 1, ab)),
          (f"spike ids, every {a.delay_steps} steps",
           lambda n, p, ab: spike_ids(n, p, a.rate, a.dt, a.delay_steps, ab))]),
    ]


def efficiency(n, p, k, e):
    c = compute(n, p, k)
    return c / (c + e)


def limit(n, k, fn, ab):
    """Largest P (power of two, P <= N) up to which C / (C + E) >= 0.5."""
    best = None
    for p in SEARCH:
        if p > n:
            break
        if efficiency(n, p, k, fn(n, p, ab)) < 0.5:
            break
        best = p
    if best is None:
        return "< 2"
    if best == SEARCH[-1] or best * 2 > n:
        return f">= {best}"
    return str(best)


def limit_replicated(n, k):
    best = None
    for p in SEARCH:
        c = compute(n, p, k)
        if c / (c + n * T_R) < 0.5:
            break
        best = p
    return str(best) if best else "< 2"


def check_volumes(path, k_default):
    """Compare exchange_volume.py's measured halo volumes with H."""
    text = open(path).read()
    print(f"\nCross-check against measured halo volumes ({path}; doubles per "
          f"stage = bytes / 8)\n")
    print("| connectivity | N | k | ranks | measured max | measured mean | model H | model / measured |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    found = 0
    head = re.compile(r"^(random|local): N = (\d+), gaba_a, fixed in-degree (\d+)"
                      r"(?:.*?\+- (\d+) neurons)?")
    row = re.compile(r"^\| (\d+) \| (\d+) \| (\d+) \| (\d+) \|")
    cur = None
    for line in text.splitlines():
        m = head.match(line.strip())
        if m:
            cur = (m.group(1), int(m.group(2)), int(m.group(3) or k_default),
                   int(m.group(4) or 0))
            continue
        m = row.match(line.strip())
        if not (m and cur):
            continue
        p, hmax, hmean = int(m.group(1)), int(m.group(3)) / 8, int(m.group(4)) / 8
        if p < 2:
            continue
        kind, n, k, hw = cur
        if kind == "random":        # expected value: compare with the mean
            h, ref, what = halo_random(n, p, k)[0], hmean, "mean"
        else:                       # interior rank: compare with the busiest
            h, ref, what = halo_local(n, p, hw)[0], hmax, "max"
        ratio = h / ref if ref else float("nan")
        print(f"| {kind} | {n} | {k} | {p} | {hmax:.0f} | {hmean:.0f} | {h:.0f} | "
              f"{ratio:.3f} (vs {what}) |")
        found += 1
    if not found:
        sys.exit(f"project_exchanges.py: no exchange_volume.py table in {path}")
    print("\n(random: H is an expectation, compared with the mean over ranks; "
          "local: H is an interior rank's, compared with the busiest rank.)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--indegree", type=int, default=100, help="k, synapses per neuron")
    ap.add_argument("--window", type=int, default=1000,
                    help="w: local sources within w neurons either side [neurons]")
    ap.add_argument("--rate", type=float, default=10.0, help="mean firing rate [Hz]")
    ap.add_argument("--dt", type=float, default=0.01, help="time step [ms]")
    ap.add_argument("--delay-steps", type=int, default=100,
                    help="D: min delay in steps for batched spike ids")
    ap.add_argument("--check-volumes", metavar="FILE", default=None)
    a = ap.parse_args()
    k = a.indegree
    print(f"t_n = {T_N * 1e6:g} us, t_s = {T_S * 1e9:g} ns, t_r = {T_R * 1e9:g} ns "
          f"(benchmarks/comm/project.py); interconnect mid alpha = {MID[0] * 1e6:g} us, "
          f"beta = {MID[1] / 1e9:g} GB/s (range {LOW[0] * 1e6:g}-{HIGH[0] * 1e6:g} us, "
          f"{LOW[1] / 1e9:g}-{HIGH[1] / 1e9:g} GB/s); k = {k}, w = {a.window}, "
          f"r = {a.rate:g} Hz, dt = {a.dt:g} ms, D = {a.delay_steps}")
    print("Each cell: exchange time per step E (mid interconnect) and efficiency "
          "C / (C + E).")
    tables = exchanges(a)
    for title, exs in tables:
        print(f"\n{title}\n")
        cols = " | ".join(f"{name}: E | eff" for name, _ in exs)
        print(f"| N | P | compute C | replicated R | C/(C+R) | {cols} |")
        print("|---|---:|---:|---:|---:|" + "---:|---:|" * len(exs))
        for n in NS:
            for p in PS:
                c = compute(n, p, k)
                r = n * T_R
                cells = []
                for _, fn in exs:
                    e = fn(n, p, MID)
                    cells.append(f"{fmt(e)} | {100 * c / (c + e):.0f} %")
                print(f"| {n:.0e} | {p} | {fmt(c)} | {fmt(r)} | {100 * c / (c + r):.0f} % | "
                      + " | ".join(cells) + " |")
    print("\nWhere each stops scaling: the largest P (power of two, P <= N) up to "
          "which C / (C + E) >= 50 %, mid interconnect [pessimistic; optimistic], "
          f"searched up to P = {SEARCH[-1]}\n")
    for title, exs in tables:
        print(f"- {title.split(':')[0]}")
        for name, fn in exs:
            parts = [f"N = {n:.0e}: {limit(n, k, fn, MID)} "
                     f"[{limit(n, k, fn, HIGH)}; {limit(n, k, fn, LOW)}]" for n in NS]
            print(f"  - {name}: " + "; ".join(parts))
    print("- replicated O(N) work alone, C / (C + R) >= 50 % (today, any exchange): "
          + "; ".join(f"N = {n:.0e}: {limit_replicated(n, k)}" for n in NS))
    if a.check_volumes:
        check_volumes(a.check_volumes, k)


if __name__ == "__main__":
    main()
