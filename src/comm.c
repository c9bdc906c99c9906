/* MPI helpers (internal). */
#include "comm.h"

#include <stdio.h>
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

int psst_comm_agree(MPI_Comm comm, int rc) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int mine = rc < 0 ? rank : size, first = size;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
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
  MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, comm);
  if (size > 1 && e.code != PSST_ERR_USER)
    psst_error_set(e.code, "rank %d: %s", first, e.msg);
  else
    psst_error_set(e.code, "%s", e.msg);
  return e.code;
}

int psst_error_agree(MPI_Comm comm, int rc) {
  return psst_comm_agree(comm, rc);
}
