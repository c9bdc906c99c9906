/* Contiguous blocks of neurons over ranks (internal).
 * Rank r owns global ids [lo, hi); the first N % size ranks own one more.
 * Ranks beyond N own nothing (lo == hi) and still take part in every
 * collective. */
#ifndef PSST_PARTITION_H
#define PSST_PARTITION_H

#include <stdint.h>

#include "psst/model.h"

/* Work-balanced contiguous blocks: rank r owns global ids
 * [starts[r], starts[r+1]) (starts has size + 1 entries). The same on every
 * rank. Not collective. (src/partition.c) */
int psst_partition_compute(const psst_model *m, int size, int64_t *starts);

#endif
