/*
 * Element and index functions shared by the CUDA kernels (ring128.cu) and their host
 * emulation (device_host.c), so that the emulation, tested on every CI run against the Java
 * backend, checks the same arithmetic and the same index maps the GPU runs.
 *
 * A device tensor of n elements is one buffer of 2n words: the high words, then the low words.
 */
#ifndef SPDZ4J_RING128_ELEM_H
#define SPDZ4J_RING128_ELEM_H

#include <stdint.h>

#ifdef __CUDACC__
#define R128_FN static __host__ __device__ __forceinline__
#else
#define R128_FN static inline
#endif

#ifdef __CUDA_ARCH__
#define R128_UNROLL _Pragma("unroll")
#else
#define R128_UNROLL
#endif

typedef struct { uint64_t hi, lo; } e128;

/* error codes of the r128d_* functions besides CUDA's own (which are positive) */
#define R128D_OK 0
#define R128D_EINVAL (-1)
#define R128D_ENOMEM_HOST (-2)

R128_FN e128 e128_get(const int64_t *t, long n, long i) {
    e128 r; r.hi = (uint64_t)t[i]; r.lo = (uint64_t)t[n + i]; return r;
}

R128_FN void e128_put(int64_t *t, long n, long i, e128 v) {
    t[i] = (int64_t)v.hi; t[n + i] = (int64_t)v.lo;
}

R128_FN e128 e128_of(int64_t v) {
    e128 r; r.hi = (uint64_t)(v >> 63); r.lo = (uint64_t)v; return r;
}

R128_FN uint64_t e128_mulhi(uint64_t a, uint64_t b) {
#ifdef __CUDA_ARCH__
    return __umul64hi(a, b);
#else
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
#endif
}

R128_FN e128 e128_add(e128 a, e128 b) {
    e128 r; r.lo = a.lo + b.lo; r.hi = a.hi + b.hi + (r.lo < a.lo); return r;
}

R128_FN e128 e128_sub(e128 a, e128 b) {
    e128 r; r.lo = a.lo - b.lo; r.hi = a.hi - b.hi - (a.lo < b.lo); return r;
}

R128_FN e128 e128_mul(e128 a, e128 b) {
    e128 r; r.lo = a.lo * b.lo; r.hi = e128_mulhi(a.lo, b.lo) + a.hi * b.lo + a.lo * b.hi; return r;
}

/* acc += a * b mod 2^128 */
R128_FN void e128_mac(e128 *acc, e128 a, e128 b) {
#ifdef __CUDA_ARCH__
    asm("mad.lo.cc.u64 %0, %2, %3, %0;\n\t"
        "madc.hi.u64 %1, %2, %3, %1;\n\t"
        "mad.lo.u64 %1, %2, %4, %1;\n\t"
        "mad.lo.u64 %1, %5, %3, %1;"
        : "+l"(acc->lo), "+l"(acc->hi) : "l"(a.lo), "l"(b.lo), "l"(b.hi), "l"(a.hi));
#else
    *acc = e128_add(*acc, e128_mul(a, b));
#endif
}

/* arithmetic shift right by bits in [0, 127] */
R128_FN e128 e128_shr(e128 a, int bits) {
    e128 r;
    if (bits == 0) return a;
    if (bits < 64) { r.lo = (a.lo >> bits) | (a.hi << (64 - bits)); r.hi = (uint64_t)((int64_t)a.hi >> bits); }
    else { r.lo = (uint64_t)((int64_t)a.hi >> (bits - 64)); r.hi = (uint64_t)((int64_t)a.hi >> 63); }
    return r;
}

/* multiplication by 2^bits, bits in [0, 127] */
R128_FN e128 e128_shl(e128 a, int bits) {
    e128 r;
    if (bits == 0) return a;
    if (bits < 64) { r.hi = (a.hi << bits) | (a.lo >> (64 - bits)); r.lo = a.lo << bits; }
    else { r.hi = a.lo << (bits - 64); r.lo = 0; }
    return r;
}

/* e * (f + b) + a * f + c for party 0, e * b + a * f + c for party 1 */
R128_FN e128 e128_beaver(int with_ef, e128 e, e128 f, e128 a, e128 b, e128 c) {
    e128 r = e128_add(e128_mul(e, with_ef ? e128_add(f, b) : b), e128_mul(a, f));
    return e128_add(r, c);
}

typedef struct { int batch, channels, height, width, kernel, stride, padding, out_h, out_w; } conv_geom;

/* im2col: source index in the NCHW image of column-matrix element `out`, or -1 for padding */
R128_FN long im2col_source(const conv_geom *g, long out) {
    long cols = (long)g->batch * g->out_h * g->out_w;
    long row = out / cols, col = out % cols;
    int kx = (int)(row % g->kernel), ky = (int)(row / g->kernel % g->kernel), c = (int)(row / g->kernel / g->kernel);
    int ox = (int)(col % g->out_w), oy = (int)(col / g->out_w % g->out_h), b = (int)(col / g->out_w / g->out_h);
    int y = oy * g->stride - g->padding + ky, x = ox * g->stride - g->padding + kx;
    if (y < 0 || y >= g->height || x < 0 || x >= g->width) return -1;
    return (((long)b * g->channels + c) * g->height + y) * g->width + x;
}

/* col2im as a gather: the sum over the column-matrix entries that unfold image element `dst` */
R128_FN e128 col2im_gather(const conv_geom *g, const int64_t *cols_t, long cols_n, long dst) {
    int x = (int)(dst % g->width), y = (int)(dst / g->width % g->height);
    int c = (int)(dst / g->width / g->height % g->channels), b = (int)(dst / g->width / g->height / g->channels);
    long cols = (long)g->batch * g->out_h * g->out_w;
    e128 s = {0, 0};
    for (int ky = 0; ky < g->kernel; ky++) {
        int ty = y + g->padding - ky;
        if (ty < 0 || ty % g->stride != 0 || ty / g->stride >= g->out_h) continue;
        for (int kx = 0; kx < g->kernel; kx++) {
            int tx = x + g->padding - kx;
            if (tx < 0 || tx % g->stride != 0 || tx / g->stride >= g->out_w) continue;
            long row = ((long)c * g->kernel + ky) * g->kernel + kx;
            long col = ((long)b * g->out_h + ty / g->stride) * g->out_w + tx / g->stride;
            s = e128_add(s, e128_get(cols_t, cols_n, row * cols + col));
        }
    }
    return s;
}

/* k x k sum pooling of planes of h x w: output element `out` */
R128_FN e128 sum_pool_at(const int64_t *in, long n, int h, int w, int k, long out) {
    int ow = w / k, oh = h / k;
    long p = out / ((long)oh * ow);
    int oy = (int)(out / ow % oh), ox = (int)(out % ow);
    e128 s = {0, 0};
    for (int dy = 0; dy < k; dy++)
        for (int dx = 0; dx < k; dx++)
            s = e128_add(s, e128_get(in, n, (p * h + oy * k + dy) * w + ox * k + dx));
    return s;
}

/* adjoint of sum pooling: source index of element `out` of the (h*k) x (w*k) planes */
R128_FN long repeat_source(int h, int w, int k, long out) {
    int ow = w * k, oh = h * k;
    long p = out / ((long)oh * ow);
    int y = (int)(out / ow % oh), x = (int)(out % ow);
    return (p * h + y / k) * w + x / k;
}

/* (A, B, plane) to (B, A, plane): source index of element `out` */
R128_FN long swap_source(int a, int b, long plane, long out) {
    long q = out % plane, j = out / plane / a, i = out / plane % a;
    return (i * b + j) * plane + q;
}

R128_FN e128 row_sum_at(const int64_t *in, long n, int cols, long row) {
    e128 s = {0, 0};
    for (int c = 0; c < cols; c++) s = e128_add(s, e128_get(in, n, row * cols + c));
    return s;
}

/* element (i, j) of op(a) (m x k) for a stored k x m when transposed */
R128_FN e128 op_at(const int64_t *t, long size, int trans, int rows, int k, long i, long j) {
    return e128_get(t, size, trans ? j * rows + i : i * k + j);
}

#endif
