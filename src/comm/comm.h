/* comm/comm.h — every MPI call of the library (internal).
 *
 * The engine, the build, checkpoints and the output reach MPI only through
 * these functions. psst_comm_dup gives psst its own communicator with
 * MPI_ERRORS_RETURN, so that an MPI failure becomes a psst error
 * (PSST_ERR_MPI, naming the call) instead of an abort. Collectivity is said
 * per function; "Collective" means over the communicator given.
 */
#ifndef PSST_COMM_H
#define PSST_COMM_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

/* ---- communicators ------------------------------------------------------ */

/* A duplicate of comm with MPI_ERRORS_RETURN. Collective. */
int psst_comm_dup(MPI_Comm comm, MPI_Comm *out);
/* Free a duplicate (MPI_COMM_NULL is ignored); *comm = MPI_COMM_NULL.
 * Collective. */
void psst_comm_free(MPI_Comm *comm);
int psst_comm_rank(MPI_Comm comm);
int psst_comm_size(MPI_Comm comm);
/* This rank's index among the ranks of its node (shared memory).
 * Collective. */
int psst_comm_node_rank(MPI_Comm comm, int *local);
/* Wall-clock time [s]. Not collective. */
double psst_comm_wtime(void);

/* ---- errors ---------------------------------------------------------------
 */

/* Agree on the outcome of a step every rank took: if any rank's rc is
 * negative, every rank returns the code of the lowest failing rank with its
 * message (prefixed "rank R: " when size > 1, except for user errors).
 * Collective. */
int psst_comm_agree(MPI_Comm comm, int rc);

/* The same, but every rank returns the most negative code of all ranks,
 * with the message of the lowest rank holding it (the output's rule: the
 * most serious failure wins). Collective. */
int psst_comm_agree_worst(MPI_Comm comm, int rc);

/* Turn an MPI return code into a psst error naming the call. */
int psst_comm_check(int mpi_rc, const char *what);

/* ---- small collectives (all Collective; 0 or PSST_ERR_MPI) --------------- */

int psst_comm_max_int(MPI_Comm comm, int mine, int *out);
int psst_comm_min_int(MPI_Comm comm, int mine, int *out);
int psst_comm_sum_i64(MPI_Comm comm, int64_t mine, int64_t *out);
/* Sum modulo 2^64 (checksums). */
int psst_comm_sum_u64(MPI_Comm comm, uint64_t mine, uint64_t *out);
int psst_comm_max_i64(MPI_Comm comm, const int64_t *mine, int64_t *out, int n);
/* Exclusive prefix sum: the sum over lower ranks (0 on rank 0). */
int psst_comm_exscan_i64(MPI_Comm comm, int64_t mine, int64_t *out);
int psst_comm_sum_doubles(MPI_Comm comm, const double *mine, double *out,
                          int n);
int psst_comm_max_doubles(MPI_Comm comm, const double *mine, double *out,
                          int n);
int psst_comm_min_doubles(MPI_Comm comm, const double *mine, double *out,
                          int n);
/* n bytes from root to everyone. */
int psst_comm_bcast(MPI_Comm comm, void *buf, size_t n, int root);
int psst_comm_barrier(MPI_Comm comm);
/* The lowest rank whose `mine` is nonzero, or size if none. */
int psst_comm_first(MPI_Comm comm, int mine, int *first);

/* ---- the voltage exchange --------------------------------------------------
 * Every rank's slice [starts[r], starts[r+1]) of an N-long vector of
 * doubles, gathered in place on every rank (MPI_Allgatherv, or
 * MPI_Iallgatherv between start and wait). The time spent inside the calls
 * is accumulated in `time` [s], of which the time blocked waiting for the
 * other ranks (in MPI_Wait, or in the blocking call) in `wait` [s]. */
/* How: with few ranks, persistent point-to-point requests to every other
 * rank (MPI_Startall / MPI_Waitall: no per-call set-up, the lowest latency
 * for the small messages of a few hundred neurons); with more,
 * MPI_Iallgatherv (logarithmic rounds). PSST_EXCHANGE=p2p|allgather in the
 * environment forces one (rank 0's value). */
#define PSST_VX_P2P_MAX_RANKS 16
#define PSST_VX_MAX_BUFFERS 4

typedef struct psst_vx_buffer {
  double *V;         /* the buffer these requests are bound to */
  MPI_Request *reqs; /* receives, then sends */
  int nreq;
} psst_vx_buffer;

typedef struct psst_vexchange {
  MPI_Comm comm;
  int rank, size;
  int *counts, *displs;
  int p2p; /* persistent point-to-point (else MPI_Iallgatherv) */
  psst_vx_buffer buf[PSST_VX_MAX_BUFFERS];
  int nbuf;
  MPI_Request req;             /* Iallgatherv in flight */
  psst_vx_buffer *pending_p2p; /* p2p exchange in flight */
  double *pending; /* the buffer of the exchange in flight, or NULL */
  double time, wait;
  int64_t calls;
} psst_vexchange;

/* Set up for slices starts[0..size] (starts[size] = N). Collective (the
 * ranks agree on the method). PSST_ERR_USER when a slice or N exceeds
 * MPI's int counts. */
int psst_vexchange_init(psst_vexchange *x, MPI_Comm comm,
                        const int64_t *starts);
void psst_vexchange_free(psst_vexchange *x);
/* "p2p" or "allgatherv". */
const char *psst_vexchange_method(const psst_vexchange *x);
/* Blocking exchange of V. Collective. */
int psst_vexchange_all(psst_vexchange *x, double *V);
/* Start an exchange of V; V must not be touched until the wait.
 * Collective. */
int psst_vexchange_start(psst_vexchange *x, double *V);
/* Complete the exchange in flight (nothing when none). Collective. */
int psst_vexchange_wait(psst_vexchange *x);

#endif
