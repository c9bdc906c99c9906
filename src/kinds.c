/* Registry of neuron and synapse kinds. */
#include <string.h>

#include "psst/kinds.h"

static const psst_neuron_kind *const neuron_kinds[] = {
    &psst_neuron_hh_tutorial, &psst_neuron_hh_classic, &psst_neuron_cobahh,
    &psst_neuron_pn,          &psst_neuron_ln,
};
static const psst_synapse_kind *const synapse_kinds[] = {
    &psst_synapse_ach_pulse,
    &psst_synapse_gaba_a,
    &psst_synapse_exp_cond,
    &psst_synapse_gaba_b,
};

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
