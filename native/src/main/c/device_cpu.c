/*
 * The device API of ring128.cu on the CPU: "device memory" is native host memory, so a tensor's
 * words stay there from one kernel to the next and only what Java reads (what is sent, saved or
 * decoded) is copied to the heap. Each kernel is an OpenMP loop over the shared bodies of
 * ring128_device_ops.inc; the matrix product is ring128.c's. Loaded as the "native" backend.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ring128_elem.h"

/* every kernel's count is its parameter n; small ones stay on one thread */
#define KERNEL(name, params, count, ...) \
    static __attribute__((unused)) void name params { \
        _Pragma("omp parallel for schedule(static) if(n > 16384)") \
        for (long i = 0; i < (count); i++) { __VA_ARGS__; } \
    }
#define LAUNCH(name, count, args) name args
#define LAUNCH_STATUS() R128D_OK

#include "ring128_device_ops.inc"
#include "device_hostmem.inc"

int r128_matmul(const int64_t *ahi, const int64_t *alo, int transA, const int64_t *bhi, const int64_t *blo,
                int transB, int m, int k, int n, int64_t *ohi, int64_t *olo, int threads);

int r128d_init(char *name, int len) {
    snprintf(name, (size_t)len, "C, native memory, %d threads", omp_get_max_threads());
    return R128D_OK;
}

int r128d_matmul(const int64_t *a, int trans_a, const int64_t *b, int trans_b, int m, int k, int n, int64_t *o) {
    if (m <= 0 || n <= 0 || k < 0) return R128D_EINVAL;
    long an = (long)m * k, bn = (long)k * n, on = (long)m * n;
    if (k == 0) return r128d_fill(o, on, 0);
    return r128_matmul(a, a + an, trans_a, b, b + bn, trans_b, m, k, n, o, o + on, omp_get_max_threads()) == 0
           ? R128D_OK : R128D_ENOMEM_HOST;
}
