/* sync_floor — the cost of one synchronising exchange on this machine, with
 * perfectly balanced ranks: the floor under psst's wall_exchange_wait_s.
 *
 *   mpiexec -n 2 sync_floor [EXCHANGES [WORK [DOUBLES]]]
 *
 * Every rank owns DOUBLES values (default 60, the locust model's share on 2
 * ranks) of a vector and exchanges them with every other rank through
 * persistent point-to-point requests (MPI_Startall / MPI_Waitall, psst's
 * exchange up to 16 ranks), EXCHANGES times (default 400000: 1 s of the
 * locust model, 4 per step), with WORK iterations of a dependent floating
 * point chain before and after the start (default 300: about psst's compute
 * per stage there). Prints per rank the total and the time blocked in
 * MPI_Waitall. benchmarks/README.md, "Synchronisation floor". */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  long iters = argc > 1 ? atol(argv[1]) : 400000;
  long work = argc > 2 ? atol(argv[2]) : 300;
  int n = argc > 3 ? atoi(argv[3]) : 60;
  double *V = calloc((size_t)n * (size_t)size, sizeof *V);
  MPI_Request *q = malloc(2 * (size_t)size * sizeof *q);
  int nq = 0;
  for (int r = 0; r < size; r++)
    if (r != rank)
      MPI_Recv_init(V + (size_t)r * (size_t)n, n, MPI_DOUBLE, r, 1,
                    MPI_COMM_WORLD, &q[nq++]);
  for (int r = 0; r < size; r++)
    if (r != rank)
      MPI_Send_init(V + (size_t)rank * (size_t)n, n, MPI_DOUBLE, r, 1,
                    MPI_COMM_WORLD, &q[nq++]);
  volatile double x = 1.0;
  double wait = 0.0;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) {
    for (long k = 0; k < work; k++)
      x = x * 1.0000001 + 1e-9;
    MPI_Startall(nq, q);
    for (long k = 0; k < work; k++)
      x = x * 1.0000001 + 1e-9;
    double a = MPI_Wtime();
    MPI_Waitall(nq, q, MPI_STATUSES_IGNORE);
    wait += MPI_Wtime() - a;
  }
  double total = MPI_Wtime() - t0;
  printf("rank %d of %d: %ld exchanges of %d doubles, work %ld: total %.3f s, "
         "waiting %.3f s (%.0f %%, %.2f us per exchange)\n",
         rank, size, iters, n, work, total, wait, 100.0 * wait / total,
         wait / (double)iters * 1e6);
  for (int k = 0; k < nq; k++)
    MPI_Request_free(&q[k]);
  free(q);
  free(V);
  MPI_Finalize();
  return 0;
}
