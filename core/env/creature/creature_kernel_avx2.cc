// The creature kernel's loops built for avx2 (see creature_kernel_body.inc; flags in
// core/CMakeLists.txt). Called only after a CPU check.
#define CALF_CREATURE_ISA(name) name##Avx2
#include "core/env/creature/creature_kernel_body.inc"
