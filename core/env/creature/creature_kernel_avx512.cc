// The creature kernel's loops built for avx512 (see creature_kernel_body.inc; flags in
// core/CMakeLists.txt). Called only after a CPU check.
#define CALF_CREATURE_ISA(name) name##Avx512
#include "core/env/creature/creature_kernel_body.inc"
