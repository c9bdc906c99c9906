/* The registry of neuron and synapse kinds, from the kind list, and the
 * rules every part of psst applies to them (storage, dense drive). */
#include <string.h>

#include "mech/list.h"
#include "mech/rules.h"

#define PSST__NK_PTR(name, NAME) &psst_neuron_##name,
#define PSST__SYN_PTR(name, NAME) &psst_synapse_##name,
static const psst_neuron_kind *const neuron_kinds[] = {
    PSST_NEURON_KINDS(PSST__NK_PTR)};
static const psst_synapse_kind *const synapse_kinds[] = {
    PSST_SYNAPSE_KINDS(PSST__SYN_PTR)};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

int psst_neuron_kind_count(void) { return COUNT(neuron_kinds); }
const psst_neuron_kind *psst_neuron_kind_get(int i) {
  return (i >= 0 && i < COUNT(neuron_kinds)) ? neuron_kinds[i] : NULL;
}
const psst_neuron_kind *psst_neuron_kind_find(const char *name) {
  for (int i = 0; i < COUNT(neuron_kinds); i++)
    if (strcmp(neuron_kinds[i]->name, name) == 0) return neuron_kinds[i];
  return NULL;
}

int psst_synapse_kind_count(void) { return COUNT(synapse_kinds); }
const psst_synapse_kind *psst_synapse_kind_get(int i) {
  return (i >= 0 && i < COUNT(synapse_kinds)) ? synapse_kinds[i] : NULL;
}
const psst_synapse_kind *psst_synapse_kind_find(const char *name) {
  for (int i = 0; i < COUNT(synapse_kinds); i++)
    if (strcmp(synapse_kinds[i]->name, name) == 0) return synapse_kinds[i];
  return NULL;
}

int psst_param_index(const psst_param_info *p, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(p[i].name, name) == 0) return i;
  return -1;
}

int psst_state_index(const psst_state_info *s, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(s[i].name, name) == 0) return i;
  return -1;
}

psst_store psst_projection_store(const psst_projection *p) {
  unsigned allowed = p->kind->storage;
  if (allowed & (1u << PSST_STORE_POST)) return PSST_STORE_POST;
  /* a spike-triggered state per presynaptic neuron needs every synapse of
   * that neuron to receive its spikes at the same time */
  int one_delay =
      p->delay.type == PSST_DIST_NONE || p->delay.type == PSST_DIST_CONST;
  int pre_ok = (allowed & (1u << PSST_STORE_PRE)) && one_delay;
  if (p->storage == PSST_STORAGE_PER_SYNAPSE &&
      (allowed & (1u << PSST_STORE_SYNAPSE)))
    return PSST_STORE_SYNAPSE;
  if (p->storage == PSST_STORAGE_PER_PRE && pre_ok) return PSST_STORE_PRE;
  /* auto: per presynaptic neuron unless the synapses start from random
   * states (then they differ, and §3.7's exactness does not hold) */
  int random_init = p->init[0].type == PSST_INIT_NORMAL ||
                    p->init[0].type == PSST_INIT_UNIFORM;
  if (random_init && (allowed & (1u << PSST_STORE_SYNAPSE)))
    return PSST_STORE_SYNAPSE;
  if (pre_ok) return PSST_STORE_PRE;
  return PSST_STORE_SYNAPSE;
}

int psst_projection_dense(const psst_projection *p, double synapses,
                          double max_block_entries) {
  if (psst_projection_store(p) != PSST_STORE_PRE) return 0;
  if (p->drive == PSST_DRIVE_DENSE) return 1;
  if (p->drive != PSST_DRIVE_AUTO) return 0;
  double all =
      (double)(p->to.hi - p->to.lo) * (double)(p->from.hi - p->from.lo);
  return all > 0 && max_block_entries <= (double)PSST_DENSE_MAX_ENTRIES &&
         synapses >= PSST_DENSE_DENSITY * all;
}
