/*
 * What ring128.c and ring128_gemm.c give the other C files of the native libraries: the
 * product, im2col and col2im on split (hi, lo) arrays, and the loops' thread count. One set of
 * declarations, included by the definitions too, so a changed signature fails to compile.
 */
#ifndef SPDZ4J_RING128_H
#define SPDZ4J_RING128_H

#include <stdint.h>

/* out (m x n) = op(a) * op(b) mod 2^128; 0, or -1 when memory runs out (ring128.c) */
int r128_matmul(const int64_t *ahi, const int64_t *alo, int transA, const int64_t *bhi, const int64_t *blo,
                int transB, int m, int k, int n, int64_t *ohi, int64_t *olo, int threads);

void r128_im2col(const int64_t *hi, const int64_t *lo, int batch, int channels, int height, int width,
                 int kernel, int stride, int padding, int64_t *ohi, int64_t *olo);
void r128_col2im(const int64_t *hi, const int64_t *lo, int batch, int channels, int height, int width,
                 int kernel, int stride, int padding, int64_t *ohi, int64_t *olo);

/* the thread count of the loops that take none: 0 (the default) is OpenMP's (ring128.c) */
void r128_set_threads(int threads);
int r128_threads(void);

/* the AVX-512 product and whether this CPU runs it (ring128_gemm.c) */
int r128_gemm_available(void);
int r128_gemm(const int64_t *ahi, const int64_t *alo, int transA, const int64_t *bhi, const int64_t *blo,
              int transB, int m, int k, int n, int64_t *ohi, int64_t *olo, int threads);

#endif
