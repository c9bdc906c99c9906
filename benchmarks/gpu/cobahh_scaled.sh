#!/usr/bin/env bash
# COBAHH (examples/cobahh.yaml: Traub-Miles HH cells, 80 % E / 20 % I,
# exp_cond synapses) scaled to N neurons with K inputs per neuron, as the
# GPU simulators' COBAHH benchmarks scale it: fixed in-degree (0.8 K from E,
# 0.2 K from I) instead of p = 0.02, and the weights times 80/K so that each
# cell's mean synaptic drive stays that of the 4000-cell network.
#
#   benchmarks/gpu/cobahh_scaled.sh N K T_END_MS > model.yaml
set -euo pipefail
n=${1:?N} k=${2:?K} tend=${3:?T_END_MS}
ne=$((n * 4 / 5)) ke=$((k * 4 / 5)) ki=$((k - k * 4 / 5))
we=$(awk -v k="$k" 'BEGIN{printf "%.6g", 0.03 * 80 / k}')   # mS/cm^2
wi=$(awk -v k="$k" 'BEGIN{printf "%.6g", 0.335 * 80 / k}')  # mS/cm^2
cat <<YAML
run: {t_end: $tend, dt: 0.05, method: rk4, seed: 1}   # ms, ms
populations:
  - {name: E, kind: cobahh, size: $ne, threshold: -20, refractory: 3,
     init: {V: {normal: [-65, 5]}, m: 0, h: 0, n: 0}}   # mV, mV, ms
  - {name: I, kind: cobahh, size: $((n - ne)), threshold: -20, refractory: 3,
     init: {V: {normal: [-65, 5]}, m: 0, h: 0, n: 0}}
projections:   # g mS/cm^2, tau ms, E mV; gsyn mS/cm^2
  - {name: EE, synapse: exp_cond, from: E, to: E, connect: {fixed_indegree: $ke},
     params: {g: $we, tau: 5, E: 0}, init: {gsyn: {normal: [0.2, 0.075]}}}
  - {name: EI, synapse: exp_cond, from: E, to: I, connect: {fixed_indegree: $ke},
     params: {g: $we, tau: 5, E: 0}, init: {gsyn: {normal: [0.2, 0.075]}}}
  - {name: IE, synapse: exp_cond, from: I, to: E, connect: {fixed_indegree: $ki},
     params: {g: $wi, tau: 10, E: -80}, init: {gsyn: {normal: [1.0, 0.3]}}}
  - {name: II, synapse: exp_cond, from: I, to: I, connect: {fixed_indegree: $ki},
     params: {g: $wi, tau: 10, E: -80}, init: {gsyn: {normal: [1.0, 0.3]}}}
record: {neurons: ["E[0:4]", "I[0:2]"], variables: [V], every: 20, spikes: true}
YAML
