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
 * environment forces one (rank 0's value). The halo exchange
 * (psst_vexchange_init_halo) moves only what each rank reads. */
#define PSST_VX_P2P_MAX_RANKS 16
#define PSST_VX_MAX_BUFFERS 4

typedef struct psst_vx_buffer {
  double *V;         /* the buffer these requests are bound to */
  MPI_Request *reqs; /* receives, then sends */
  int nreq;
} psst_vx_buffer;

/* The halo plan (psst_vexchange_init_halo): on the distributed graph
 * communicator `graph`, this rank receives from its `nsrc` source ranks
 * (ascending) the neurons it needs, and sends to its `ndst` destination
 * ranks (ascending) the lists of its own neurons each one needs. */
typedef struct psst_vx_halo {
  MPI_Comm graph; /* MPI_Dist_graph_create_adjacent over the neighbours */
  int nsrc, ndst;
  int *rcounts, *rdispls; /* per source rank: doubles received */
  int *scounts, *sdispls; /* per destination rank: doubles sent */
  int64_t nrecv, nsend;
  int64_t *recv_gid; /* nrecv: where each received double goes in V */
  int64_t *send_gid; /* nsend: which of this rank's V each sent one is */
  double *rbuf, *sbuf;
} psst_vx_halo;

typedef struct psst_vexchange {
  MPI_Comm comm;
  int rank, size;
  int *counts, *displs;
  int p2p;  /* persistent point-to-point (else MPI_Iallgatherv) */
  int halo; /* only the halo (else every rank's slice to every rank) */
  psst_vx_halo h;
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
/* The halo exchange: only the voltages this rank reads, from the ranks
 * that own them. need[0..nneed) are the global ids this rank needs from
 * other ranks (ascending, none its own). The ranks agree on who sends what
 * (MPI_Alltoall of the counts, MPI_Alltoallv of the ids: each rank learns,
 * for each peer, which of its own neurons that peer reads) and build a
 * distributed graph communicator of their neighbours
 * (MPI_Dist_graph_create_adjacent; a rank may have none). Each exchange
 * is one MPI_Ineighbor_alltoallv, not MPI_Neighbor_allgatherv: allgatherv
 * sends one buffer to every neighbour, but each neighbour needs a
 * different subset of this rank's neurons, so the sends are packed per
 * destination. The received doubles are written into V at their global
 * positions (V stays N long); the other positions of V, except this
 * rank's own, are left as they were. start/wait/all then move the halo
 * only. Collective. */
int psst_vexchange_init_halo(psst_vexchange *x, MPI_Comm comm,
                             const int64_t *starts, const int64_t *need,
                             int64_t nneed);
/* Doubles this rank receives per exchange: its halo, or N - its slice. */
int64_t psst_vexchange_recv_count(const psst_vexchange *x);
/* "p2p", "allgatherv" or "halo". */
const char *psst_vexchange_method(const psst_vexchange *x);
/* PSST_EXCHANGE in the environment, rank 0's value, agreed: 0 unset (or
 * unknown), else one of these. Collective. */
enum {
  PSST_VX_ENV_P2P = 1,
  PSST_VX_ENV_ALLGATHER = 2,
  PSST_VX_ENV_HALO = 3,
  PSST_VX_ENV_AUTO = 4
};
int psst_vexchange_env(MPI_Comm comm, int *which);
/* Blocking exchange of V. Collective. */
int psst_vexchange_all(psst_vexchange *x, double *V);
/* Start an exchange of V; V must not be touched until the wait.
 * Collective. */
int psst_vexchange_start(psst_vexchange *x, double *V);
/* Complete the exchange in flight (nothing when none). Collective. */
int psst_vexchange_wait(psst_vexchange *x);

#endif
