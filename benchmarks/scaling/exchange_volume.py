#!/usr/bin/env python3
"""Exchange volume per rank per RK4 stage: the full exchange (allgather)
against the halo exchange (issue 13), for a sparse network of fixed
in-degree with graded (gaba_a) synapses, at several rank counts.

    exchange_volume.py [--psst PATH] [--neurons 16000] [--indegree 100]
                       [--ranks 1,2,4,8,16] [--launcher "mpiexec -n {np}"]
                       [--work DIR]

Two connectivities: `random` (one fixed_indegree projection A -> A) and
`local` (the targets in blocks of --block neurons, each block drawing its
inputs from a window of the block and --halo-width neurons on either side:
a distance-dependent rule written as one projection per block, since psst
has no distance rule of its own). Every (connectivity, ranks, exchange) runs
`psst run` for two steps with PSST_EXCHANGE=allgather or halo and reads the
output's attributes exchange_recv_max_doubles (the busiest rank) and
exchange_recv_total_doubles (all ranks). Volumes are counts of doubles,
not times: oversubscribed runs are fine. Prints one table per connectivity
(bytes = 8 x doubles) and exits 1 when a run fails.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile


def model(kind, n, k, block, width):
    lines = ["run: {t_end: 0.02, dt: 0.01}            # two steps [ms]",
             "populations:",
             f"  - {{name: A, kind: hh_tutorial, size: {n}}}",
             "projections:"]
    if kind == "random":
        lines.append(f"  - {{name: G, synapse: gaba_a, from: A, to: A, "
                     f"connect: {{fixed_indegree: {k}}}, params: {{g: 0.01}}}}")
    else:
        for b, lo in enumerate(range(0, n, block)):
            hi = min(n, lo + block)
            a, z = max(0, lo - width), min(n, hi + width)
            lines.append(f"  - {{name: G{b}, synapse: gaba_a, from: \"A[{a}:{z}]\", "
                         f"to: \"A[{lo}:{hi}]\", connect: {{fixed_indegree: {k}}}, "
                         f"params: {{g: 0.01}}}}")
    return "\n".join(lines) + "\n"


def attrs(path):
    out = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True,
                         check=True).stdout
    got = {}
    for name in ("exchange", "exchange_recv_max_doubles",
                 "exchange_recv_total_doubles"):
        m = re.search(r":%s = \"?([^\";]*)\"?L* ;" % name, out)
        got[name] = m.group(1).rstrip("L") if m else None
    return got


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--psst", default=os.path.join(here, "../../build/psst"))
    ap.add_argument("--neurons", type=int, default=16000)
    ap.add_argument("--indegree", type=int, default=100)
    ap.add_argument("--block", type=int, default=1000)
    ap.add_argument("--halo-width", type=int, default=500)
    ap.add_argument("--ranks", default="1,2,4,8,16")
    ap.add_argument("--launcher", default=None)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    if not os.access(a.psst, os.X_OK):
        sys.exit(f"exchange_volume.py: no psst at {a.psst}")
    launcher = a.launcher or ("mpiexec --oversubscribe" +
                              (" --allow-run-as-root" if os.geteuid() == 0 else "") +
                              " -n {np}")
    ranks = [int(x) for x in a.ranks.split(",")]
    work = a.work or tempfile.mkdtemp(prefix="psst_xvol_")
    os.makedirs(work, exist_ok=True)
    N = a.neurons
    for kind in ("random", "local"):
        path = os.path.join(work, f"{kind}.yaml")
        with open(path, "w") as f:
            f.write(model(kind, N, a.indegree, a.block, a.halo_width))
        desc = (f"fixed in-degree {a.indegree}, random sources" if kind == "random"
                else f"fixed in-degree {a.indegree} from a window of the target "
                     f"block of {a.block} +- {a.halo_width} neurons")
        print(f"\n{kind}: N = {N}, gaba_a, {desc}")
        print("| ranks | allgather B/rank/stage (max) | halo B/rank/stage (max) "
              "| halo B/rank/stage (mean) | halo / allgather (all ranks) | auto picks |")
        print("|---:|---:|---:|---:|---:|---|")
        for p in ranks:
            row = {}
            for ex in ("allgather", "halo"):
                out = os.path.join(work, f"{kind}_{p}_{ex}.nc")
                cmd = launcher.format(np=p).split() + [a.psst, "run", path, "-o", out,
                                                        "--force", "--quiet"]
                env = dict(os.environ, PSST_EXCHANGE=ex)
                r = subprocess.run(cmd, env=env, capture_output=True, text=True)
                if r.returncode != 0:
                    print(r.stdout + r.stderr)
                    sys.exit(1)
                row[ex] = attrs(out)
                os.remove(out)
            if p == 1:
                print("| 1 | 0 | 0 | 0 | - | none (one rank) |")
                continue
            ag_max = int(row["allgather"]["exchange_recv_max_doubles"])
            ag_tot = int(row["allgather"]["exchange_recv_total_doubles"])
            h_max = int(row["halo"]["exchange_recv_max_doubles"])
            h_tot = int(row["halo"]["exchange_recv_total_doubles"])
            ratio = h_tot / ag_tot if ag_tot else 0.0
            pick = "halo" if h_tot < 0.5 * ag_tot else "allgather"
            print(f"| {p} | {8 * ag_max} | {8 * h_max} | {8 * h_tot // p} | "
                  f"{ratio:.3f} | {pick} |")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
