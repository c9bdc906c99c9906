#!/usr/bin/env python3
"""Project compute versus exchange per RK4 step to a cluster
(benchmarks/README.md, "Communication model"). Prints Markdown tables.

Per step and rank (seconds):
  compute    C = (N * t_n + S * t_s) / P
  exchange   E = X * (alpha * log2 P + 8 N / beta)      X exchanges per step
  replicated R = N * t_r   (spike detection, voltage check and per-presynaptic
                            receptor states over all N on every rank)
(a) dense-coupled locust model: S = c_dense * N^2 (c_dense = 314578 / 1200^2,
    from `psst check examples/locust_al_scaled.yaml --neurons 1200`), X = 4
    (it has gaba_a synapses, which read the stage voltages).
(b) sparse, fixed in-degree k = 100 (benchmarks/core hh_random): S = k N,
    X = 4 with gaba_a synapses (X = 1 without: psst's one-exchange path).
The 8N/beta term is (P-1)/P * 8N/beta rounded up to 8N/beta (P >= 64).
"""
import math

# measured on this machine (benchmarks/README.md core benchmark, quiet runs +
# callgrind split): hh_random_1000 compute 0.656 us per neuron-step with 100
# synapses, of which ~45 % HH rates and ~50 % synaptic drive.
T_N = 0.3e-6     # s per neuron-step (HH RHS at 4 RK4 stages + RK4 update)
T_S = 3.5e-9     # s per synapse-step (4 stages; CSR ~0.9 ns, dense ddot ~0.8 ns per stage)
T_R = 30e-9      # s per neuron-step of replicated O(N) work (~5 % of a neuron-step)
C_DENSE = 314578 / 1200 ** 2
K = 100
LOW = (1.0e-6, 25e9)    # alpha, beta: optimistic interconnect
MID = (1.5e-6, 12.5e9)
HIGH = (2.0e-6, 10e9)   # pessimistic


def exch(n, p, x, ab):
    a, b = ab
    return x * (a * math.log2(p) + 8 * n / b)


def fmt(t):
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.3g} ms"
    return f"{t * 1e6:.3g} us"


def table(name, syn, x):
    print(f"\n{name}\n")
    print("| N | P | synapses / rank | compute C | exchange E (mid; range) | replicated R | E > C? | R > C? |")
    print("|---|---|---|---|---|---|---|---|")
    for n in (1e4, 1e5, 1e6):
        s = syn(n)
        for p in (64, 256, 1024):
            c = (n * T_N + s * T_S) / p
            e, elo, ehi = exch(n, p, x, MID), exch(n, p, x, LOW), exch(n, p, x, HIGH)
            r = n * T_R
            if elo > c:
                verdict = "**yes**"
            elif ehi > c:
                verdict = "borderline"
            else:
                verdict = "no"
            rv = "**yes**" if r > c else "no"
            print(f"| {n:.0e} | {p} | {s / p:.3g} | {fmt(c)} | {fmt(e)} ({fmt(elo)}-{fmt(ehi)}) | {fmt(r)} | {verdict} | {rv} |")


def main():
    print(f"t_n = {T_N * 1e6:g} us, t_s = {T_S * 1e9:g} ns, t_r = {T_R * 1e9:g} ns, "
          f"c_dense = {C_DENSE:.4f}, alpha/beta mid {MID[0] * 1e6:g} us / {MID[1] / 1e9:g} GB/s, "
          f"range {LOW[0] * 1e6:g}-{HIGH[0] * 1e6:g} us / {LOW[1] / 1e9:g}-{HIGH[1] / 1e9:g} GB/s")
    table("(a) dense-coupled locust model, S = 0.218 N^2, 4 exchanges per step",
          lambda n: C_DENSE * n * n, 4)
    table("(b) sparse fixed in-degree k = 100, S = 100 N, 4 exchanges per step (gaba_a)",
          lambda n: K * n, 4)
    table("(b') the same without gaba_a: 1 exchange per step",
          lambda n: K * n, 1)


if __name__ == "__main__":
    main()
