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
  int method = 0; /* 1 p2p, 2 allgather */
  if (x->rank == 0) {
    const char *e = getenv("PSST_EXCHANGE");
    if (e && !strcmp(e, "p2p")) method = 1;
    if (e && !strcmp(e, "allgather")) method = 2;
  }
  PSST_TRY(psst_comm_bcast(comm, &method, sizeof method, 0));
  x->p2p = method ? method == 1 : size <= PSST_VX_P2P_MAX_RANKS;
  return 0;
}

const char *psst_vexchange_method(const psst_vexchange *x) {
  return x->p2p ? "p2p" : "allgatherv";
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
  if (x->p2p) {
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
  if (x->p2p) {
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
  }
  double dt = MPI_Wtime() - t0;
  x->time += dt;
  x->wait += dt;
  x->pending = NULL;
  return psst_comm_check(rc, "completion of the exchange of the membrane "
                             "potentials");
}
