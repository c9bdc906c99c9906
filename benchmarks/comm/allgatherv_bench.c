/* allgatherv_bench: time MPI_Allgatherv of N doubles split over P ranks in
 * contiguous balanced blocks (the layout psst uses for the membrane
 * potentials, in place, as psst 0.1.0 did and psst does above 16 ranks),
 * for N = 1e2 .. 1e7 (x10).
 *
 * Each repetition: MPI_Barrier, t0, MPI_Allgatherv(MPI_IN_PLACE ...), t1;
 * the repetition's time is the slowest rank's t1 - t0 (MPI_MAX). Prints
 * one CSV line per N: P,N,bytes,reps,median_us,min_us,mean_us.
 *
 * Not part of the psst build: `make` in this folder (uses mpicc).
 * Usage: mpiexec -n P ./allgatherv_bench [NMIN] [NMAX] [TIME_BUDGET_S]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, P;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  long nmin = argc > 1 ? atol(argv[1]) : 100;
  long nmax = argc > 2 ? atol(argv[2]) : 10000000;
  double budget = argc > 3 ? atof(argv[3]) : 2.0; /* seconds per N */
  if (nmin < 1 || nmax < nmin) {
    if (rank == 0)
      fprintf(stderr, "usage: allgatherv_bench [NMIN] [NMAX] [BUDGET_S]\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  int *counts = malloc(sizeof *counts * P),
      *displs = malloc(sizeof *displs * P);
  double *buf = malloc(sizeof *buf * (size_t)nmax);
  if (!counts || !displs || !buf) MPI_Abort(MPI_COMM_WORLD, 1);
  if (rank == 0) printf("P,N,bytes,reps,median_us,min_us,mean_us\n");
  for (long N = nmin; N <= nmax; N *= 10) {
    long off = 0;
    for (int r = 0; r < P; ++r) {
      long c = N / P + (r < N % P);
      counts[r] = (int)c;
      displs[r] = (int)off;
      off += c;
    }
    for (long i = 0; i < N; ++i)
      buf[i] = (double)(i % 97) * 0.5;
    /* warm-up and a rough per-call estimate to size the repetitions */
    MPI_Barrier(MPI_COMM_WORLD);
    double w0 = MPI_Wtime();
    for (int k = 0; k < 3; ++k)
      MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, displs,
                     MPI_DOUBLE, MPI_COMM_WORLD);
    double est = (MPI_Wtime() - w0) / 3;
    MPI_Allreduce(MPI_IN_PLACE, &est, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    int reps = est > 0 ? (int)(budget / (est + 2e-6)) : 10000;
    if (reps < 10) reps = 10;
    if (reps > 10000) reps = 10000;
    double *t = malloc(sizeof *t * reps);
    if (!t) MPI_Abort(MPI_COMM_WORLD, 1);
    for (int k = 0; k < reps; ++k) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime();
      MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, displs,
                     MPI_DOUBLE, MPI_COMM_WORLD);
      t[k] = MPI_Wtime() - t0;
    }
    MPI_Allreduce(MPI_IN_PLACE, t, reps, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0) {
      double sum = 0;
      for (int k = 0; k < reps; ++k)
        sum += t[k];
      qsort(t, reps, sizeof *t, cmp_double);
      double med =
          reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
      printf("%d,%ld,%ld,%d,%.3f,%.3f,%.3f\n", P, N, N * 8, reps, med * 1e6,
             t[0] * 1e6, sum / reps * 1e6);
      fflush(stdout);
    }
    free(t);
  }
  free(buf);
  free(counts);
  free(displs);
  MPI_Finalize();
  return 0;
}
