/* Balanced contiguous blocks of neurons over ranks (internal).
 * Rank r owns global ids [lo, hi); the first N % size ranks own one more.
 * Ranks beyond N own nothing (lo == hi) and still take part in every
 * collective. */
#ifndef PSST_PARTITION_H
#define PSST_PARTITION_H

#include <stdint.h>

static inline void psst_partition_block(int64_t n, int size, int rank,
                                        int64_t *lo, int64_t *hi) {
  int64_t q = n / size, r = n % size;
  *lo = rank * q + (rank < r ? rank : r);
  *hi = *lo + q + (rank < r ? 1 : 0);
}

/* Rank that owns gid. */
static inline int psst_partition_owner(int64_t n, int size, int64_t gid) {
  int64_t q = n / size, r = n % size;
  if (gid < r * (q + 1)) return (int)(gid / (q + 1));
  return (int)(r + (gid - r * (q + 1)) / q);
}

#endif
