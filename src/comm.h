/* MPI helpers (internal): agreement on errors, exchange of voltages. */
#ifndef PSST_COMM_H
#define PSST_COMM_H

#include <mpi.h>

/* Agree on the outcome of a step every rank took: if any rank's rc is
 * negative, every rank returns the code of the lowest failing rank with its
 * message (prefixed "rank R: " when size > 1). Collective. */
int psst_comm_agree(MPI_Comm comm, int rc);

/* Turn an MPI return code into a psst error naming the call. */
int psst_comm_check(int mpi_rc, const char *what);

#endif
