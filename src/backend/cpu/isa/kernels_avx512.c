/* The CPU backend's loops for avx512 (compiled with its flags:
 * CMakeLists.txt; the source is backend/cpu/cpu_kernels.c). */
#define PSST_CPU_ISA avx512
#include "backend/cpu/cpu_kernels.c"
