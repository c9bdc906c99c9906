/* Every MPI call of the library (comm/comm.h). */
#include "comm/comm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psst/error.h"
#include "psst/psst.h"

int psst_comm_check(int mpi_rc, const char *what) {
  if (mpi_rc == MPI_SUCCESS) return 0;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(mpi_rc, msg, &len);
  return psst_error_set(PSST_ERR_MPI, "%s failed: %s", what, msg);
}

#define MPI_TRY(call, what) PSST_TRY(psst_comm_check((call), (what)))

int psst_comm_dup(MPI_Comm comm, MPI_Comm *out) {
  *out = MPI_COMM_NULL;
  MPI_TRY(MPI_Comm_dup(comm, out), "MPI_Comm_dup");
  MPI_TRY(MPI_Comm_set_errhandler(*out, MPI_ERRORS_RETURN),
          "MPI_Comm_set_errhandler");
  return 0;
}

void psst_comm_free(MPI_Comm *comm) {
  if (comm && *comm != MPI_COMM_NULL) MPI_Comm_free(comm);
  if (comm) *comm = MPI_COMM_NULL;
}

int psst_comm_rank(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}

int psst_comm_size(MPI_Comm comm) {
  int n = 1;
  MPI_Comm_size(comm, &n);
  return n;
}

int psst_comm_node_rank(MPI_Comm comm, int *local) {
  MPI_Comm node;
  *local = 0;
  MPI_TRY(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, psst_comm_rank(comm),
                              MPI_INFO_NULL, &node),
          "MPI_Comm_split_type");
  MPI_Comm_rank(node, local);
  MPI_Comm_free(&node);
  return 0;
}

double psst_comm_wtime(void) { return MPI_Wtime(); }

int psst_comm_agree(MPI_Comm comm, int rc) {
  int rank = psst_comm_rank(comm), size = psst_comm_size(comm);
  int mine = rc < 0 ? rank : size, first = size;
  int mrc = MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (mrc != MPI_SUCCESS)
    return psst_comm_check(mrc, "MPI_Allreduce (agreement on an error)");
  if (first == size) return 0;
  struct {
    int code;
    char msg[4000];
  } e;
  memset(&e, 0, sizeof e);
  if (rank == first) {
    e.code = rc;
    snprintf(e.msg, sizeof e.msg, "%s", psst_error_message());
  }
  mrc = MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, comm);
  if (mrc != MPI_SUCCESS)
    return psst_comm_check(mrc, "MPI_Bcast (agreement on an error)");
  /* name the failing rank once: an error agreed before (every rank then
   * holds it, and rank 0 broadcasts it again), or one whose message names
   * it already (the I/O layer's "PATH: ... (rank N)"), says which */
  char tag[32];
  snprintf(tag, sizeof tag, "(rank %d)", first);
  if (size > 1 && e.code != PSST_ERR_USER && strncmp(e.msg, "rank ", 5) != 0 &&
      !strstr(e.msg, tag))
    psst_error_set(e.code, "rank %d: %s", first, e.msg);
  else
    psst_error_set(e.code, "%s", e.msg);
  return e.code;
}

int psst_comm_agree_worst(MPI_Comm comm, int rc) {
  int rank = psst_comm_rank(comm);
  int in[2] = {rc < 0 ? rc : 0, rank}, res[2];
  int mrc = MPI_Allreduce(in, res, 1, MPI_2INT, MPI_MINLOC, comm);
  if (mrc != MPI_SUCCESS)
    return psst_comm_check(mrc, "MPI_Allreduce (agreement on an error)");
  if (res[0] == 0) return 0;
  char msg[4096];
  if (rank == res[1]) snprintf(msg, sizeof msg, "%s", psst_error_message());
  mrc = MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, res[1], comm);
  if (mrc != MPI_SUCCESS)
    return psst_comm_check(mrc, "MPI_Bcast (agreement on an error)");
  msg[sizeof msg - 1] = '\0';
  if (rank != res[1]) psst_error_set(res[0], "%s", msg);
  return res[0];
}

int psst_error_agree(MPI_Comm comm, int rc) {
  return psst_comm_agree(comm, rc);
}

int psst_comm_max_int(MPI_Comm comm, int mine, int *out) {
  MPI_TRY(MPI_Allreduce(&mine, out, 1, MPI_INT, MPI_MAX, comm),
          "MPI_Allreduce");
  return 0;
}

int psst_comm_min_int(MPI_Comm comm, int mine, int *out) {
  MPI_TRY(MPI_Allreduce(&mine, out, 1, MPI_INT, MPI_MIN, comm),
          "MPI_Allreduce");
  return 0;
}

int psst_comm_sum_i64(MPI_Comm comm, int64_t mine, int64_t *out) {
  MPI_TRY(MPI_Allreduce(&mine, out, 1, MPI_INT64_T, MPI_SUM, comm),
          "MPI_Allreduce");
  return 0;
}

int psst_comm_sum_u64(MPI_Comm comm, uint64_t mine, uint64_t *out) {
  MPI_TRY(MPI_Allreduce(&mine, out, 1, MPI_UINT64_T, MPI_SUM, comm),
          "MPI_Allreduce");
  return 0;
}

int psst_comm_max_i64(MPI_Comm comm, const int64_t *mine, int64_t *out, int n) {
  MPI_TRY(MPI_Allreduce(mine, out, n, MPI_INT64_T, MPI_MAX, comm),
          "MPI_Allreduce");
  return 0;
}

int psst_comm_exscan_i64(MPI_Comm comm, int64_t mine, int64_t *out) {
  *out = 0;
  MPI_TRY(MPI_Exscan(&mine, out, 1, MPI_INT64_T, MPI_SUM, comm), "MPI_Exscan");
  if (psst_comm_rank(comm) == 0) *out = 0; /* undefined on rank 0 */
  return 0;
}

static int reduce_doubles(MPI_Comm comm, const double *mine, double *out, int n,
                          MPI_Op op) {
  MPI_TRY(MPI_Allreduce(mine, out, n, MPI_DOUBLE, op, comm), "MPI_Allreduce");
  return 0;
}

int psst_comm_sum_doubles(MPI_Comm comm, const double *mine, double *out,
                          int n) {
  return reduce_doubles(comm, mine, out, n, MPI_SUM);
}

int psst_comm_max_doubles(MPI_Comm comm, const double *mine, double *out,
                          int n) {
  return reduce_doubles(comm, mine, out, n, MPI_MAX);
}

int psst_comm_min_doubles(MPI_Comm comm, const double *mine, double *out,
                          int n) {
  return reduce_doubles(comm, mine, out, n, MPI_MIN);
}

int psst_comm_bcast(MPI_Comm comm, void *buf, size_t n, int root) {
  PSST_CHECK(n <= (size_t)0x7fffffff, PSST_ERR_INTERNAL,
             "broadcast of %zu bytes", n);
  MPI_TRY(MPI_Bcast(buf, (int)n, MPI_BYTE, root, comm), "MPI_Bcast");
  return 0;
}

int psst_comm_barrier(MPI_Comm comm) {
  MPI_TRY(MPI_Barrier(comm), "MPI_Barrier");
  return 0;
}

int psst_comm_first(MPI_Comm comm, int mine, int *first) {
  int me = mine ? psst_comm_rank(comm) : psst_comm_size(comm);
  return psst_comm_min_int(comm, me, first);
}

/* ---- the voltage exchange ---------------------------------------------- */

int psst_vexchange_init(psst_vexchange *x, MPI_Comm comm,
                        const int64_t *starts) {
  memset(x, 0, sizeof *x);
  x->comm = comm;
  x->req = MPI_REQUEST_NULL;
  x->rank = psst_comm_rank(comm);
  x->size = psst_comm_size(comm);
  int size = x->size;
  x->counts = calloc((size_t)size, sizeof *x->counts);
  x->displs = calloc((size_t)size, sizeof *x->displs);
  if (!x->counts || !x->displs) {
    psst_vexchange_free(x);
    return psst_error_set(PSST_ERR_NOMEM, "out of memory (exchange)");
  }
  for (int r = 0; r < size; r++) {
    int64_t lo = starts[r], hi = starts[r + 1];
    if (hi - lo > INT32_MAX || lo > INT32_MAX) {
      int64_t N = starts[size];
      psst_vexchange_free(x);
      return psst_error_set(PSST_ERR_USER,
                            "%lld neurons: too many for the 32-bit counts of "
                            "MPI_Allgatherv; use more ranks",
                            (long long)N);
    }
    x->counts[r] = (int)(hi - lo);
    x->displs[r] = (int)lo;
  }
  int method = 0;
  PSST_TRY(psst_vexchange_env(comm, &method));
  /* halo and auto choose between the halo and the full exchange
   * (engine/build.c); a full exchange then takes its default */
  if (method == PSST_VX_ENV_P2P)
    x->p2p = 1;
  else if (method == PSST_VX_ENV_ALLGATHER)
    x->p2p = 0;
  else
    x->p2p = size <= PSST_VX_P2P_MAX_RANKS;
  return 0;
}

int psst_vexchange_env(MPI_Comm comm, int *which) {
  int method = 0;
  if (psst_comm_rank(comm) == 0) {
    const char *e = getenv("PSST_EXCHANGE");
    if (e && !strcmp(e, "p2p")) method = PSST_VX_ENV_P2P;
    if (e && !strcmp(e, "allgather")) method = PSST_VX_ENV_ALLGATHER;
    if (e && !strcmp(e, "halo")) method = PSST_VX_ENV_HALO;
    if (e && !strcmp(e, "auto")) method = PSST_VX_ENV_AUTO;
  }
  PSST_TRY(psst_comm_bcast(comm, &method, sizeof method, 0));
  *which = method;
  return 0;
}

const char *psst_vexchange_method(const psst_vexchange *x) {
  if (x->halo) return "halo";
  return x->p2p ? "p2p" : "allgatherv";
}

int64_t psst_vexchange_recv_count(const psst_vexchange *x) {
  if (x->halo) return x->h.nrecv;
  if (!x->counts) return 0;
  return (int64_t)x->displs[x->size - 1] + x->counts[x->size - 1] -
         x->counts[x->rank];
}

/* Compact the nonzero entries of cnt[0..size) into ranks/counts/displs
 * (ascending rank); returns how many. */
static int compact(const int *cnt, int size, int *ranks, int *counts,
                   int *displs) {
  int n = 0, at = 0;
  for (int r = 0; r < size; r++) {
    if (cnt[r] == 0) continue;
    ranks[n] = r;
    counts[n] = cnt[r];
    displs[n] = at;
    at += cnt[r];
    n++;
  }
  return n;
}

/* The halo plan of psst_vexchange_init_halo (x initialised, x->halo set).
 * Collective. */
static int halo_plan_in(psst_vexchange *x, const int64_t *starts,
                        const int64_t *need, int64_t nneed, int *tmp) {
  psst_vx_halo *H = &x->h;
  const int size = x->size, me = x->rank;
  int rc = 0;
  /* per peer: how many of its neurons this rank reads (want) and how
   * many of this rank's it reads (give) */
  int *want = tmp, *give = tmp + size, *wdispl = tmp + 2 * size;
  int *gdispl = tmp + 3 * size, *srcs = tmp + 4 * size;
  int *dsts = tmp + 5 * size + 1;
  if (!tmp) rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (halo plan)");
  H->rcounts = calloc((size_t)size + 1, sizeof *H->rcounts);
  H->rdispls = calloc((size_t)size + 1, sizeof *H->rdispls);
  H->scounts = calloc((size_t)size + 1, sizeof *H->scounts);
  H->sdispls = calloc((size_t)size + 1, sizeof *H->sdispls);
  H->recv_gid = malloc((size_t)(nneed + 1) * sizeof *H->recv_gid);
  H->rbuf = malloc((size_t)(nneed + 1) * sizeof *H->rbuf);
  if (!H->rcounts || !H->rdispls || !H->scounts || !H->sdispls ||
      !H->recv_gid || !H->rbuf)
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (halo plan)");
  if (rc == 0 && nneed > INT32_MAX)
    rc = psst_error_set(PSST_ERR_USER,
                        "a halo of %lld neurons: too many for the 32-bit "
                        "counts of MPI; use more ranks",
                        (long long)nneed);
  for (int64_t k = 0, r = 0; rc == 0 && k < nneed; k++) {
    while (r < size && need[k] >= starts[r + 1])
      r++;
    if (r == size || need[k] < starts[r] || r == me ||
        (k > 0 && need[k] <= need[k - 1])) {
      rc = psst_error_set(PSST_ERR_INTERNAL,
                          "halo plan: neuron %lld is not another rank's, or "
                          "the list is not ascending",
                          (long long)need[k]);
      break;
    }
    want[r]++;
  }
  PSST_TRY(psst_comm_agree(x->comm, rc));
  MPI_TRY(MPI_Alltoall(want, 1, MPI_INT, give, 1, MPI_INT, x->comm),
          "MPI_Alltoall (halo sizes)");
  int64_t ngive = 0;
  for (int r = 0; r < size; r++) {
    wdispl[r] = r ? wdispl[r - 1] + want[r - 1] : 0;
    gdispl[r] = (int)ngive;
    ngive += give[r];
    if (ngive > INT32_MAX) break;
  }
  if (ngive > INT32_MAX)
    rc = psst_error_set(PSST_ERR_USER,
                        "the other ranks read %lld of this rank's neurons: "
                        "too many for the 32-bit counts of MPI",
                        (long long)ngive);
  H->send_gid = rc ? NULL : malloc((size_t)(ngive + 1) * sizeof *H->send_gid);
  H->sbuf = rc ? NULL : malloc((size_t)(ngive + 1) * sizeof *H->sbuf);
  if (rc == 0 && (!H->send_gid || !H->sbuf))
    rc = psst_error_set(PSST_ERR_NOMEM, "out of memory (halo plan)");
  PSST_TRY(psst_comm_agree(x->comm, rc));
  MPI_TRY(MPI_Alltoallv(need, want, wdispl, MPI_INT64_T, H->send_gid, give,
                        gdispl, MPI_INT64_T, x->comm),
          "MPI_Alltoallv (halo ids)");
  for (int64_t k = 0; rc == 0 && k < ngive; k++)
    if (H->send_gid[k] < starts[me] || H->send_gid[k] >= starts[me + 1])
      rc = psst_error_set(PSST_ERR_INTERNAL,
                          "halo plan: asked for neuron %lld, not this "
                          "rank's",
                          (long long)H->send_gid[k]);
  PSST_TRY(psst_comm_agree(x->comm, rc));
  H->nrecv = nneed;
  H->nsend = ngive;
  if (nneed > 0) memcpy(H->recv_gid, need, (size_t)nneed * sizeof *need);
  /* the sources in ascending rank order, as need (ascending ids) is */
  H->nsrc = compact(want, size, srcs, H->rcounts, H->rdispls);
  H->ndst = compact(give, size, dsts, H->scounts, H->sdispls);
  /* reorder = 0: ranks keep their numbers (the partition is by rank).
   * The edges are weighted by the doubles they carry (a hint an MPI may
   * use to place ranks; Open MPI's MPI_UNWEIGHTED, a fake pointer, also
   * trips GCC's -Wstringop-overread) */
  MPI_TRY(MPI_Dist_graph_create_adjacent(x->comm, H->nsrc, srcs, H->rcounts,
                                         H->ndst, dsts, H->scounts,
                                         MPI_INFO_NULL, 0, &H->graph),
          "MPI_Dist_graph_create_adjacent (halo neighbours)");
  MPI_TRY(MPI_Comm_set_errhandler(H->graph, MPI_ERRORS_RETURN),
          "MPI_Comm_set_errhandler");
  return 0;
}

static int halo_plan(psst_vexchange *x, const int64_t *starts,
                     const int64_t *need, int64_t nneed) {
  int *tmp = calloc(6 * (size_t)x->size + 2, sizeof *tmp);
  int rc = halo_plan_in(x, starts, need, nneed, tmp);
  free(tmp);
  return rc;
}

int psst_vexchange_init_halo(psst_vexchange *x, MPI_Comm comm,
                             const int64_t *starts, const int64_t *need,
                             int64_t nneed) {
  PSST_TRY(psst_vexchange_init(x, comm, starts));
  x->halo = 1;
  x->p2p = 0;
  x->h.graph = MPI_COMM_NULL;
  int rc = halo_plan(x, starts, need, nneed);
  if (rc < 0) psst_vexchange_free(x);
  return rc;
}

void psst_vexchange_free(psst_vexchange *x) {
  if (x->pending) psst_vexchange_wait(x);
  for (int b = 0; b < x->nbuf; b++) {
    for (int q = 0; q < x->buf[b].nreq; q++)
      if (x->buf[b].reqs[q] != MPI_REQUEST_NULL)
        MPI_Request_free(&x->buf[b].reqs[q]);
    free(x->buf[b].reqs);
  }
  x->nbuf = 0;
  free(x->counts);
  free(x->displs);
  x->counts = x->displs = NULL;
  psst_vx_halo *H = &x->h;
  if (x->halo && H->graph != MPI_COMM_NULL) MPI_Comm_free(&H->graph);
  void *hb[] = {H->rcounts,  H->rdispls,  H->scounts, H->sdispls,
                H->recv_gid, H->send_gid, H->rbuf,    H->sbuf};
  for (size_t i = 0; i < sizeof hb / sizeof hb[0]; i++)
    free(hb[i]);
  memset(H, 0, sizeof *H);
  H->graph = MPI_COMM_NULL;
  x->halo = 0;
}

/* The persistent requests bound to V (made on first use). */
static int p2p_buffer(psst_vexchange *x, double *V, psst_vx_buffer **out) {
  for (int b = 0; b < x->nbuf; b++)
    if (x->buf[b].V == V) {
      *out = &x->buf[b];
      return 0;
    }
  PSST_CHECK(x->nbuf < PSST_VX_MAX_BUFFERS, PSST_ERR_INTERNAL,
             "exchange: more than %d buffers", PSST_VX_MAX_BUFFERS);
  psst_vx_buffer *B = &x->buf[x->nbuf];
  B->reqs = calloc((size_t)(2 * x->size + 1), sizeof *B->reqs);
  PSST_ALLOC_CHECK(B->reqs);
  B->V = V;
  B->nreq = 0;
  x->nbuf++;
  const int me = x->rank, tag = 7100 + x->nbuf;
  for (int r = 0; r < x->size; r++)
    if (r != me && x->counts[r] > 0)
      MPI_TRY(MPI_Recv_init(V + x->displs[r], x->counts[r], MPI_DOUBLE, r, tag,
                            x->comm, &B->reqs[B->nreq++]),
              "MPI_Recv_init");
  for (int r = 0; r < x->size; r++)
    if (r != me && x->counts[me] > 0)
      MPI_TRY(MPI_Send_init(V + x->displs[me], x->counts[me], MPI_DOUBLE, r,
                            tag, x->comm, &B->reqs[B->nreq++]),
              "MPI_Send_init");
  *out = B;
  return 0;
}

int psst_vexchange_all(psst_vexchange *x, double *V) {
  PSST_TRY(psst_vexchange_wait(x));
  if (x->p2p || x->halo) {
    PSST_TRY(psst_vexchange_start(x, V));
    return psst_vexchange_wait(x);
  }
  double t0 = MPI_Wtime();
  int rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, V, x->counts,
                          x->displs, MPI_DOUBLE, x->comm);
  double dt = MPI_Wtime() - t0;
  x->time += dt;
  x->wait += dt;
  x->calls++;
  return psst_comm_check(rc, "MPI_Allgatherv of the membrane potentials");
}

int psst_vexchange_start(psst_vexchange *x, double *V) {
  PSST_TRY(psst_vexchange_wait(x));
  double t0 = MPI_Wtime();
  int rc;
  if (x->halo) {
    /* this rank's voltages each neighbour reads, packed per destination;
     * one neighbourhood collective (see psst_vexchange_init_halo) */
    psst_vx_halo *H = &x->h;
    for (int64_t k = 0; k < H->nsend; k++)
      H->sbuf[k] = V[H->send_gid[k]];
    rc = MPI_Ineighbor_alltoallv(H->sbuf, H->scounts, H->sdispls, MPI_DOUBLE,
                                 H->rbuf, H->rcounts, H->rdispls, MPI_DOUBLE,
                                 H->graph, &x->req);
  } else if (x->p2p) {
    psst_vx_buffer *B = NULL;
    PSST_TRY(p2p_buffer(x, V, &B));
    rc = B->nreq ? MPI_Startall(B->nreq, B->reqs) : MPI_SUCCESS;
    x->pending_p2p = rc == MPI_SUCCESS ? B : NULL;
  } else {
    rc = MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, V, x->counts,
                         x->displs, MPI_DOUBLE, x->comm, &x->req);
  }
  x->time += MPI_Wtime() - t0;
  x->calls++;
  x->pending = rc == MPI_SUCCESS ? V : NULL;
  return psst_comm_check(rc,
                         "start of the exchange of the membrane potentials");
}

int psst_vexchange_wait(psst_vexchange *x) {
  if (!x->pending) return 0;
  double t0 = MPI_Wtime();
  int rc;
  if (x->pending_p2p) {
    psst_vx_buffer *B = x->pending_p2p;
    rc = B->nreq ? MPI_Waitall(B->nreq, B->reqs, MPI_STATUSES_IGNORE)
                 : MPI_SUCCESS;
    x->pending_p2p = NULL;
  } else {
    rc = MPI_Wait(&x->req, MPI_STATUS_IGNORE);
    if (rc == MPI_SUCCESS && x->halo) /* into V at the global positions */
      for (int64_t k = 0; k < x->h.nrecv; k++)
        x->pending[x->h.recv_gid[k]] = x->h.rbuf[k];
  }
  double dt = MPI_Wtime() - t0;
  x->time += dt;
  x->wait += dt;
  x->pending = NULL;
  return psst_comm_check(rc, "completion of the exchange of the membrane "
                             "potentials");
}
