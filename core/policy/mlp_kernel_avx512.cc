// The MLP kernel built with -mavx512f (no FMA); only called after a CPU check. See
// mlp_kernel.h.
#define CALF_KERNEL_NAME KernelForwardAvx512
#define CALF_KERNEL_VEC_BYTES 64
#define CALF_KERNEL_TILE 64
#include "core/policy/mlp_kernel_body.inc"
