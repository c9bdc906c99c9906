/* Counter-based random numbers keyed by global ids (internal).
 *
 * Every draw is Philox4x32-10 (Random123) of a counter made from the global
 * ids it belongs to and a stream number, under a key made from the user's
 * seed. No generator state is carried: a draw depends only on (seed, stream,
 * a, b), never on which rank makes it or in what order, so a network is the
 * same for any number of ranks. The same header compiles for CUDA.
 */
#ifndef PSST_RNG_H
#define PSST_RNG_H

#include <Random123/philox.h>
#include <math.h>
#include <stdint.h>

/* Streams: one per purpose; projection and population streams add their
 * index (< 2^16 in all). */
enum {
  PSST_STREAM_CONN = 0x1000,      /* + projection index: connectivity */
  PSST_STREAM_INIT_POP = 0x2000,  /* + population index: initial values */
  PSST_STREAM_INIT_PROJ = 0x3000, /* + projection index: synaptic init */
  PSST_STREAM_NOISE = 0x4000,     /* + population index: init noise */
  PSST_STREAM_SHUFFLE = 0x5000,   /* + stimulus index: recipient choice */
  PSST_STREAM_WEIGHT = 0x6000,    /* + projection index: weight draws */
  PSST_STREAM_DELAY = 0x7000,     /* + projection index: delay draws */
  PSST_STREAM_SOURCE = 0x8000,    /* + population index: spike sources */
  PSST_STREAM_CURRENT = 0x9000,   /* + stimulus index: noise currents */
  PSST_STREAM_SOURCE_T = 0xA000   /* + population index: spike times */
};

/* Four 32-bit words for (seed, stream, a, b). a and b are typically a global
 * neuron id and a second id or draw index (each < 2^48). */
static inline philox4x32_ctr_t psst_rng_raw(uint64_t seed, uint32_t stream,
                                            uint64_t a, uint64_t b) {
  philox4x32_ctr_t c = {{(uint32_t)a, (uint32_t)(a >> 32) ^ (stream << 16),
                         (uint32_t)b,
                         (uint32_t)(b >> 32) ^ (stream & 0xffff0000u)}};
  philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
  return philox4x32(c, k);
}

/* Uniform double in [0, 1) with 53 random bits, from two words. */
static inline double psst_rng_u53(uint32_t hi, uint32_t lo) {
  uint64_t x = ((uint64_t)hi << 32) | lo;
  return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

static inline double psst_rng_uniform(uint64_t seed, uint32_t stream,
                                      uint64_t a, uint64_t b) {
  philox4x32_ctr_t r = psst_rng_raw(seed, stream, a, b);
  return psst_rng_u53(r.v[0], r.v[1]);
}

/* Standard normal draw (Box-Muller on one counter). */
static inline double psst_rng_normal(uint64_t seed, uint32_t stream, uint64_t a,
                                     uint64_t b) {
  philox4x32_ctr_t r = psst_rng_raw(seed, stream, a, b);
  double u1 = 1.0 - psst_rng_u53(r.v[0], r.v[1]); /* (0, 1] */
  double u2 = psst_rng_u53(r.v[2], r.v[3]);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

#endif
