/*
 * Host emulation of the device API of ring128.cu: the same r128d_* functions and the same
 * kernel bodies (ring128_device_ops.inc) and the same tiled matrix product (ring128_matmul.h),
 * with "device memory" in host memory. It lets every CI run test the device backend's Java
 * side and the GPU's code paths without a GPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ring128_matmul.h"

#define KERNEL(name, params, count, ...) \
    static void name params { for (long i = 0; i < (count); i++) { __VA_ARGS__; } }
#define LAUNCH(name, count, args) name args
#define LAUNCH_STATUS() R128D_OK

#include "ring128_device_ops.inc"
#define AES_TABLE static const
#include "aes_portable.inc"
#include "device_hostmem.inc"

int r128d_init(char *name, int len) {
    snprintf(name, (size_t)len, "host emulation");
    return R128D_OK;
}

/* the GPU's multiprocessor count the emulation plans for, so tests take the split-K path too */
#define EMULATED_MULTIPROCESSORS 132

/* the GPU's tiled product (ring128_matmul.h), run block by block, each phase thread by thread */
static void emulate_matmul_block(const mm_args *p, int bx, int by, int bz, int64_t *out) {
    static __thread mm_tiles tiles;
    static __thread e128 acc[MM_THREADS][MM_TM][MM_TN];
    int row0 = by * MM_BM, col0 = bx * MM_BN;
    int k_begin = bz * p->k_slice, k_end = p->k < k_begin + p->k_slice ? p->k : k_begin + p->k_slice;
    memset(acc, 0, sizeof acc);
    for (int t0 = k_begin; t0 < k_end; t0 += MM_BK) {
        for (int tid = 0; tid < MM_THREADS; tid++) mm_load(&tiles, tid, p, row0, col0, t0, k_end);
        for (int tid = 0; tid < MM_THREADS; tid++) mm_compute(&tiles, tid, acc[tid]);
    }
    for (int tid = 0; tid < MM_THREADS; tid++) mm_store(out + (long)bz * 2 * p->m * p->n, p, tid, row0, col0, acc[tid]);
}

int r128d_matmul(const int64_t *a, int trans_a, const int64_t *b, int trans_b, int m, int k, int n, int64_t *o) {
    if (m <= 0 || n <= 0 || k < 0) return R128D_EINVAL;
    mm_args p = {a, b, trans_a, trans_b, m, k, n, 0};
    int slices;
    mm_plan(EMULATED_MULTIPROCESSORS, m, k, n, &slices, &p.k_slice);
    long on = (long)m * n;
    int64_t *parts = o;
    if (slices > 1 && !(parts = malloc(sizeof(int64_t) * 2 * (size_t)on * slices))) return R128D_ENOMEM_HOST;
    for (int bz = 0; bz < slices; bz++)
        for (int by = 0; by < (m + MM_BM - 1) / MM_BM; by++)
            for (int bx = 0; bx < (n + MM_BN - 1) / MM_BN; bx++) emulate_matmul_block(&p, bx, by, bz, parts);
    if (slices > 1) {
        LAUNCH(k_sum_slices, on, (parts, slices, o, on));
        free(parts);
    }
    return R128D_OK;
}
