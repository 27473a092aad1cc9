/*
 * The device API of ring128.cu on the CPU: "device memory" is native host memory, so a tensor's
 * words stay there from one kernel to the next and only what Java reads (what is sent, saved or
 * decoded) is copied to the heap. Each elementwise kernel is an OpenMP loop over the shared
 * bodies of ring128_device_ops.inc; the data movement loops over rows and runs (im2col, col2im
 * and the product are ring128.c's, pooling and the axis swap are below), where the GPU bodies'
 * per-element index maps would cost a chain of 64-bit divisions. The PRG's expansion is
 * aes_ctr.c's. Loaded as the "native" backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ring128.h"
#include "ring128_elem.h"

/* every kernel's count is its parameter n; small ones stay on one thread */
#define KERNEL(name, params, count, ...) \
    static __attribute__((unused)) void name params { \
        _Pragma("omp parallel for schedule(static) if(n > 16384) num_threads(r128_threads())") \
        for (long i = 0; i < (count); i++) { __VA_ARGS__; } \
    }
#define LAUNCH(name, count, args) name args
#define LAUNCH_STATUS() R128D_OK
#define R128D_OWN_DATA_MOVEMENT

#include "ring128_device_ops.inc"
#include "device_hostmem.inc"

int r128d_init(char *name, int len) {
    snprintf(name, (size_t)len, "C, native memory");
    return R128D_OK;
}

/* every kernel's thread count from now on (0: OpenMP's default); returns the count in use */
int r128d_set_threads(int threads) {
    r128_set_threads(threads);
    return r128_threads();
}

int r128d_matmul(const int64_t *a, int trans_a, const int64_t *b, int trans_b, int m, int k, int n, int64_t *o) {
    if (m <= 0 || n <= 0 || k < 0) return R128D_EINVAL;
    long an = (long)m * k, bn = (long)k * n, on = (long)m * n;
    if (k == 0) return r128d_fill(o, on, 0);
    return r128_matmul(a, a + an, trans_a, b, b + bn, trans_b, m, k, n, o, o + on, r128_threads()) == 0
           ? R128D_OK : R128D_ENOMEM_HOST;
}

/* ---- data movement: element i of a tensor of n words is (t[i], t[n + i]) ---- */

/* ring128.c's row loops, on the two halves of each tensor */
int r128d_im2col(const int64_t *a, int batch, int channels, int height, int width, int kernel, int stride,
                 int padding, int64_t *o) {
    conv_geom g;
    if (!valid_geom(&g, batch, channels, height, width, kernel, stride, padding)) return R128D_EINVAL;
    long an = (long)batch * channels * height * width;
    long n = (long)channels * kernel * kernel * batch * g.out_h * g.out_w;
    r128_im2col(a, a + an, batch, channels, height, width, kernel, stride, padding, o, o + n);
    return R128D_OK;
}

int r128d_col2im(const int64_t *a, int batch, int channels, int height, int width, int kernel, int stride,
                 int padding, int64_t *o) {
    conv_geom g;
    if (!valid_geom(&g, batch, channels, height, width, kernel, stride, padding)) return R128D_EINVAL;
    long an = (long)channels * kernel * kernel * batch * g.out_h * g.out_w;
    long n = (long)batch * channels * height * width;
    r128_col2im(a, a + an, batch, channels, height, width, kernel, stride, padding, o, o + n);
    return R128D_OK;
}

/* planes of h x w pooled k x k */
int r128d_sum_pool(const int64_t *a, long planes, int h, int w, int k, int64_t *o) {
    if (k <= 0 || h % k != 0 || w % k != 0) return R128D_EINVAL;
    int oh = h / k, ow = w / k;
    long an = planes * h * w, n = planes * oh * ow;
    #pragma omp parallel for schedule(static) if(n > 16384) num_threads(r128_threads())
    for (long p = 0; p < planes; p++)
        for (int oy = 0; oy < oh; oy++) {
            long out = (p * oh + oy) * ow;
            for (int ox = 0; ox < ow; ox++) e128_put(o, n, out + ox, e128_of(0));
            for (int dy = 0; dy < k; dy++) {
                long in = (p * h + (long)oy * k + dy) * w;
                for (int ox = 0; ox < ow; ox++)
                    for (int dx = 0; dx < k; dx++)
                        e128_put(o, n, out + ox, e128_add(e128_get(o, n, out + ox), e128_get(a, an, in + (long)ox * k + dx)));
            }
        }
    return R128D_OK;
}

/* planes of h x w, each element repeated over k x k */
int r128d_repeat(const int64_t *a, long planes, int h, int w, int k, int64_t *o) {
    if (k <= 0) return R128D_EINVAL;
    long an = planes * h * w, ow = (long)w * k, n = an * k * k;
    #pragma omp parallel for schedule(static) if(n > 16384) num_threads(r128_threads())
    for (long p = 0; p < planes; p++)
        for (int y = 0; y < h; y++)
            for (int dy = 0; dy < k; dy++) {
                long in = (p * h + y) * w, out = ((p * h + y) * k + dy) * ow;
                for (int x = 0; x < w; x++)
                    for (int dx = 0; dx < k; dx++, out++) {
                        o[out] = a[in + x];
                        o[n + out] = a[an + in + x];
                    }
            }
    return R128D_OK;
}

/* (na, nb, plane) to (nb, na, plane): one copy per plane and word half */
int r128d_swap(const int64_t *a, int na, int nb, long plane, int64_t *o) {
    long n = (long)na * nb * plane;
    #pragma omp parallel for schedule(static) if(n > 16384) num_threads(r128_threads())
    for (long q = 0; q < (long)na * nb; q++) {
        long j = q / na, i = q % na, src = (i * nb + j) * plane, dst = q * plane;
        memcpy(o + dst, a + src, sizeof(int64_t) * (size_t)plane);
        memcpy(o + n + dst, a + n + src, sizeof(int64_t) * (size_t)plane);
    }
    return R128D_OK;
}
