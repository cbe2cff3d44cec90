// The MLP kernel built with -mavx2 (no FMA); only called after a CPU check. See mlp_kernel.h.
#define CALF_KERNEL_NAME KernelForwardAvx2
#define CALF_KERNEL_VEC_BYTES 32
#define CALF_KERNEL_TILE 32
#include "core/policy/mlp_kernel_body.inc"
