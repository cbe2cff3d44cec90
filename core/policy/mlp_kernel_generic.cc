// The MLP kernel for any x86-64 CPU (SSE2). See mlp_kernel.h.
#define CALF_KERNEL_NAME KernelForwardGeneric
#define CALF_KERNEL_VEC_BYTES 16
#define CALF_KERNEL_TILE 32
#include "core/policy/mlp_kernel_body.inc"
