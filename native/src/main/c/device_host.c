/*
 * Host emulation of the device API of ring128.cu: the same r128d_* functions and the same
 * kernel bodies (ring128_device_ops.inc), with "device memory" in host memory. It lets every CI
 * run test the device backend's Java side and the shared kernels without a GPU. The matrix
 * product here is the plain definition; the GPU's tiled one is tested on a GPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ring128_elem.h"

#define KERNEL(name, params, count, ...) \
    static void name params { for (long i = 0; i < (count); i++) { __VA_ARGS__; } }
#define LAUNCH(name, count, args) name args
#define LAUNCH_STATUS() R128D_OK

#include "ring128_device_ops.inc"

int r128d_init(char *name, int len) {
    snprintf(name, (size_t)len, "host emulation");
    return R128D_OK;
}

const char *r128d_error_string(int code) {
    switch (code) {
        case R128D_OK: return "no error";
        case R128D_EINVAL: return "invalid argument";
        case R128D_ENOMEM_HOST: return "out of host memory";
        default: return "unknown error";
    }
}

int r128d_alloc(long n, int64_t **out) {
    *out = malloc(sizeof(int64_t) * 2 * (size_t)(n > 0 ? n : 1));
    return *out ? R128D_OK : R128D_ENOMEM_HOST;
}

int r128d_free(int64_t *p) {
    free(p);
    return R128D_OK;
}

int r128d_upload(int64_t *d, const int64_t *hi, const int64_t *lo, long n) {
    memcpy(d, hi, sizeof(int64_t) * (size_t)n);
    memcpy(d + n, lo, sizeof(int64_t) * (size_t)n);
    return R128D_OK;
}

int r128d_download(const int64_t *d, int64_t *hi, int64_t *lo, long n) {
    memcpy(hi, d, sizeof(int64_t) * (size_t)n);
    memcpy(lo, d + n, sizeof(int64_t) * (size_t)n);
    return R128D_OK;
}

int r128d_sync(void) {
    return R128D_OK;
}

int r128d_matmul(const int64_t *a, int trans_a, const int64_t *b, int trans_b, int m, int k, int n, int64_t *o) {
    long an = (long)m * k, bn = (long)k * n, on = (long)m * n;
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
            e128 s = {0, 0};
            for (long t = 0; t < k; t++)
                e128_mac(&s, op_at(a, an, trans_a, m, k, i, t), op_at(b, bn, !trans_b, n, k, j, t));
            e128_put(o, on, i * n + j, s);
        }
    return R128D_OK;
}
