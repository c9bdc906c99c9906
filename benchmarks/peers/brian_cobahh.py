#!/usr/bin/python3
"""COBAHH (docs/models.md §11.2) in Brian2's C++ standalone mode, for the psst
peer benchmark. Brian's own examples/COBAHH.py, with:
  - no self-connections (condition i != j), as in examples/cobahh.yaml;
  - exprel() in alpha_m, beta_m, alpha_n (Brian's example also uses it);
  - a SpikeMonitor that counts spikes (record=False).

    python3 brian_cobahh.py --method rk4 --dt 0.05 --threads 2 --dir BUILD [--t-end 1000]

build_s = code generation + compilation (device.build with run=False);
sim_s = the network.run loop as timed inside the binary (last_run_info);
setup_s = the rest of the binary's wall time (synapse creation, init, I/O).
Prints one JSON line.
"""
import argparse, json, os, time

ap = argparse.ArgumentParser()
ap.add_argument("--method", default="exponential_euler")
ap.add_argument("--dt", type=float, default=0.1)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--t-end", type=float, default=1000.0)
ap.add_argument("--dir", required=True)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()

from brian2 import *  # noqa

set_device("cpp_standalone", directory=a.dir, build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = a.threads
prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
defaultclock.dt = a.dt * ms
seed(a.seed)

area = 20000 * umetre ** 2
Cm = (1 * ufarad * cm ** -2) * area
gl = (5e-5 * siemens * cm ** -2) * area
El = -60 * mV
EK = -90 * mV
ENa = 50 * mV
g_na = (100 * msiemens * cm ** -2) * area
g_kd = (30 * msiemens * cm ** -2) * area
VT = -63 * mV
taue = 5 * ms
taui = 10 * ms
Ee = 0 * mV
Ei = -80 * mV
we = 6 * nS
wi = 67 * nS

eqs = Equations('''
dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-
         g_na*(m*m*m)*h*(v-ENa)-
         g_kd*(n*n*n*n)*(v-EK))/Cm : volt
dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
dge/dt = -ge*(1./taue) : siemens
dgi/dt = -gi*(1./taui) : siemens
alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
''')

P = NeuronGroup(4000, model=eqs, threshold='v>-20*mV', refractory=3 * ms,
                method=a.method)
Pe = P[:3200]
Pi = P[3200:]
Ce = Synapses(Pe, P, on_pre='ge+=we')
Ci = Synapses(Pi, P, on_pre='gi+=wi')
Ce.connect(condition='i != j', p=0.02)
Ci.connect(condition='j != i + 3200', p=0.02)
P.v = 'El + (randn() * 5 - 5)*mV'
P.ge = '(randn() * 1.5 + 4) * 10.*nS'
P.gi = '(randn() * 12 + 20) * 10.*nS'
sm = SpikeMonitor(P, record=False)
run(a.t_end * ms)

t0 = time.perf_counter()
device.build(directory=a.dir, compile=True, run=False)
t_build = time.perf_counter() - t0
t0 = time.perf_counter()
device.run(directory=a.dir, with_output=False, run_args=[])
t_bin = time.perf_counter() - t0
info = os.path.join(a.dir, "results", "last_run_info.txt")
t_loop = float(open(info).read().split()[0])
nspk = int(sm.num_spikes)
nsyn = len(Ce) + len(Ci)
print("RESULT " + json.dumps({
    "sim": "Brian2", "method": a.method, "dt": a.dt,
    "par": "%d thread%s" % (a.threads, "" if a.threads == 1 else "s"), "n": a.threads,
    "build_s": t_build, "setup_s": t_bin - t_loop, "sim_s": t_loop, "spikes": nspk,
    "rate_hz": nspk / 4000 / (a.t_end / 1000.0), "synapses": nsyn}), flush=True)
