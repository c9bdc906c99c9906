/* The CPU backend's loops for avx2 (compiled with its flags:
 * CMakeLists.txt; the source is backend/cpu/cpu_kernels.c). */
#define PSST_CPU_ISA avx2
#include "backend/cpu/cpu_kernels.c"
