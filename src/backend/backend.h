/* backend/backend.h — the seam between the engine and the hardware
 * (internal).
 *
 * A backend holds the state of this rank's part of the network where it
 * computes (the host for the CPU, a device for CUDA) and evaluates the
 * RK4 / Euler stages with loops instantiated from the kind list. The
 * engine (engine/step.c) owns the stage loop, the exchanges (through
 * comm), spike detection, recording and checkpoints; a backend never calls
 * MPI, never prints and never writes files.
 *
 * One step i of the engine, for stage st = 0 .. S-1 (S = 4 for RK4, 1 for
 * Euler; stage time t = t_i + c[st] h):
 *   st > 0: stage_state(st, a)      state_st = y + a k_{st-1}
 *           local_voltages(STAGE)   this rank's stage V, to be exchanged
 *   rhs_local(st, t, Iinj)          synaptic currents from the local stage
 *                                   state, intrinsic currents, and every
 *                                   derivative that needs no remote V
 *   (exchange completes)
 *   rhs_remote(st, t, V)            derivatives that read presynaptic stage
 *                                   voltages (V: every neuron's, all N)
 *   stage_end(st, h)                accumulate k_st; the last stage
 *                                   finishes the step (y_{i+1})
 * then local_voltages(FINAL) for the exchange of V(t_{i+1}), spiked() and
 * deliver() the step's spikes and the events due, and boundary() the
 * step-boundary decisions.
 *
 * Every call returns 0 or a negative psst error code with a message; none
 * is collective. Units: times [ms], voltages [mV], currents [uA/cm^2].
 */
#ifndef PSST_BACKEND_H
#define PSST_BACKEND_H

#include <stdint.h>

#include "engine/layout.h"

typedef struct psst_backend psst_backend;

/* What local_voltages copies: the V of the stage state, of the state after
 * the step, or dV/dt of the step's first stage (the slope at t_i; valid
 * from the end of stage 0 until the next stage_state). */
enum { PSST_V_STAGE = 0, PSST_V_FINAL = 1, PSST_V_SLOPE = 2 };

typedef struct psst_backend_ops {
  const char *name; /* "cpu", "cuda" */
  /* Free everything; *b = NULL. */
  void (*destroy)(psst_backend **b);
  /* Make the layout's host state current (copy it back from where the
   * backend computes; the CPU computes on it). A borrowed view: give it
   * back with restore_state. */
  int (*get_state)(psst_backend *b);
  /* End of a borrow; changed = 1 when the host state was written (a
   * restored checkpoint), so the backend reloads it. */
  int (*restore_state)(psst_backend *b, int changed);
  /* state_st = y + a k_{st-1} (st >= 1; a [ms]). */
  int (*stage_state)(psst_backend *b, int st, double a);
  /* This rank's V (of the stage state, or of the state after the step),
   * or its dV/dt at the start of the step, into Vall[lo, hi) (host memory,
   * N long). */
  int (*local_voltages)(psst_backend *b, int which, double *Vall);
  /* First half of stage st at time t: Iinj is the local injected current
   * (host, nloc), k its sample index (backends may cache by it). */
  int (*rhs_local)(psst_backend *b, int st, double t, int64_t k,
                   const double *Iinj);
  /* Second half: Vall is every neuron's V at this stage (host, N; NULL
   * when no projection reads presynaptic voltages). */
  int (*rhs_remote)(psst_backend *b, int st, double t, const double *Vall);
  /* Accumulate stage st's slopes; after the last stage y is y_{i+1}
   * (h [ms] the step). */
  int (*stage_end)(psst_backend *b, int st, double h);
  /* The neurons gids[0..n) (non-decreasing: a spike source may fire more
   * than once a step) crossed threshold or fired in this step: the layout's
   * fire_t is already set (the backend refreshes its copy). */
  int (*spiked)(psst_backend *b, const int64_t *gids, int64_t n);
  /* Events of projection q due now (engine/events.c), in order: on_spike
   * of element elem[e] (PRE: presynaptic index; SYNAPSE: CSR position;
   * POST: local row) with weight w[e], at time t [ms]. */
  int (*deliver)(psst_backend *b, int q, const int64_t *elem, const double *w,
                 int64_t n, double t);
  /* Step-boundary decisions at time t from every neuron's V(t) (host,
   * N). */
  int (*boundary)(psst_backend *b, double t, const double *Vall);
} psst_backend_ops;

struct psst_backend {
  const psst_backend_ops *ops;
  const psst_layout *L;
  char description[256]; /* e.g. "cpu (avx512, sleef)"; for the output */
};

/* The backends. create: allocate and load the layout's host state. Not
 * collective. */

/* CPU instruction-set levels of the kernels (README: vectorisation): the
 * results do not depend on the level, only the speed does. */
enum { PSST_ISA_BASELINE = 0, PSST_ISA_AVX2 = 1, PSST_ISA_AVX512 = 2 };
/* The highest level this CPU runs and this psst was built with. */
int psst_backend_cpu_isa_best(void);
/* "baseline", "avx2", "avx512" -> level; -1 for anything else. */
int psst_backend_cpu_isa_parse(const char *name);
const char *psst_backend_cpu_isa_name(int level);
int psst_backend_cpu_create(const psst_layout *L, int isa, psst_backend **out);
/* CUDA (stubs that fail when psst is built without it). */
int psst_backend_cuda_device_count(char *why, size_t n);
int psst_backend_cuda_create(const psst_layout *L, int device,
                             psst_backend **out);

#endif
