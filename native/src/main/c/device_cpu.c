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
#define R128D_OWN_DATA_MOVEMENT

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

/* ---- data movement: element i of a tensor of n words is (t[i], t[n + i]) ---- */

static inline void put_sum(int64_t *o, long n, long i, e128 v) {
    e128_put(o, n, i, e128_add(e128_get(o, n, i), v));
}

/* row (c, ky, kx) of the column matrix: for each image and output position, the input word or 0 */
int r128d_im2col(const int64_t *a, int batch, int channels, int height, int width, int kernel, int stride,
                 int padding, int64_t *o) {
    conv_geom g;
    if (!valid_geom(&g, batch, channels, height, width, kernel, stride, padding)) return R128D_EINVAL;
    long an = (long)batch * channels * height * width, cols = (long)batch * g.out_h * g.out_w;
    long rows = (long)channels * kernel * kernel, n = rows * cols;
    #pragma omp parallel for schedule(static) if(n > 16384)
    for (long r = 0; r < rows; r++) {
        int kx = (int)(r % kernel), ky = (int)(r / kernel % kernel), c = (int)(r / kernel / kernel);
        long out = r * cols;
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < g.out_h; oy++) {
                int y = oy * stride - padding + ky;
                long plane_row = (((long)b * channels + c) * height + y) * width;
                for (int ox = 0; ox < g.out_w; ox++, out++) {
                    int x = ox * stride - padding + kx;
                    int inside = y >= 0 && y < height && x >= 0 && x < width;
                    o[out] = inside ? a[plane_row + x] : 0;
                    o[n + out] = inside ? a[an + plane_row + x] : 0;
                }
            }
    }
    return R128D_OK;
}

/* each image plane (b, c) sums the column-matrix entries of its channel's rows that unfold it */
int r128d_col2im(const int64_t *a, int batch, int channels, int height, int width, int kernel, int stride,
                 int padding, int64_t *o) {
    conv_geom g;
    if (!valid_geom(&g, batch, channels, height, width, kernel, stride, padding)) return R128D_EINVAL;
    long cols = (long)batch * g.out_h * g.out_w, an = (long)channels * kernel * kernel * cols;
    long plane = (long)height * width, n = (long)batch * channels * plane;
    #pragma omp parallel for schedule(static) if(n > 16384)
    for (long p = 0; p < (long)batch * channels; p++) {
        int b = (int)(p / channels), c = (int)(p % channels);
        long base = p * plane;
        memset(o + base, 0, sizeof(int64_t) * (size_t)plane);
        memset(o + n + base, 0, sizeof(int64_t) * (size_t)plane);
        for (int ky = 0; ky < kernel; ky++)
            for (int kx = 0; kx < kernel; kx++) {
                long in = (((long)c * kernel + ky) * kernel + kx) * cols + (long)b * g.out_h * g.out_w;
                for (int oy = 0; oy < g.out_h; oy++) {
                    int y = oy * stride - padding + ky;
                    for (int ox = 0; ox < g.out_w; ox++, in++) {
                        int x = ox * stride - padding + kx;
                        if (y >= 0 && y < height && x >= 0 && x < width)
                            put_sum(o, n, base + (long)y * width + x, e128_get(a, an, in));
                    }
                }
            }
    }
    return R128D_OK;
}

/* planes of h x w pooled k x k */
int r128d_sum_pool(const int64_t *a, long planes, int h, int w, int k, int64_t *o) {
    if (k <= 0 || h % k != 0 || w % k != 0) return R128D_EINVAL;
    int oh = h / k, ow = w / k;
    long an = planes * h * w, n = planes * oh * ow;
    #pragma omp parallel for schedule(static) if(n > 16384)
    for (long p = 0; p < planes; p++)
        for (int oy = 0; oy < oh; oy++) {
            long out = (p * oh + oy) * ow;
            for (int ox = 0; ox < ow; ox++) e128_put(o, n, out + ox, e128_of(0));
            for (int dy = 0; dy < k; dy++) {
                long in = (p * h + (long)oy * k + dy) * w;
                for (int ox = 0; ox < ow; ox++)
                    for (int dx = 0; dx < k; dx++) put_sum(o, n, out + ox, e128_get(a, an, in + (long)ox * k + dx));
            }
        }
    return R128D_OK;
}

/* planes of h x w, each element repeated over k x k */
int r128d_repeat(const int64_t *a, long planes, int h, int w, int k, int64_t *o) {
    if (k <= 0) return R128D_EINVAL;
    long an = planes * h * w, ow = (long)w * k, n = an * k * k;
    #pragma omp parallel for schedule(static) if(n > 16384)
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
    #pragma omp parallel for schedule(static) if(n > 16384)
    for (long q = 0; q < (long)na * nb; q++) {
        long j = q / na, i = q % na, src = (i * nb + j) * plane, dst = q * plane;
        memcpy(o + dst, a + src, sizeof(int64_t) * (size_t)plane);
        memcpy(o + n + dst, a + n + src, sizeof(int64_t) * (size_t)plane);
    }
    return R128D_OK;
}
