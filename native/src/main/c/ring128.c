/*
 * spdz4j CPU kernels for Z_2^128 on structure-of-arrays data: element i is
 * hi[i] * 2^64 + (unsigned) lo[i]. Bit-exact with the Java backend (JavaRingBackend).
 * Built by the Maven build with gcc; loaded with JNA (org.spdz4j.accel.CpuRingBackend).
 */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ring128.h"

typedef unsigned __int128 u128;

static inline u128 load(const int64_t *hi, const int64_t *lo, long i) {
    return ((u128)(uint64_t)hi[i] << 64) | (uint64_t)lo[i];
}

static inline void store(int64_t *hi, int64_t *lo, long i, u128 v) {
    hi[i] = (int64_t)(uint64_t)(v >> 64);
    lo[i] = (int64_t)(uint64_t)v;
}

void r128_add(const int64_t *ahi, const int64_t *alo, const int64_t *bhi, const int64_t *blo,
              int64_t *ohi, int64_t *olo, int n) {
    for (long i = 0; i < n; i++) store(ohi, olo, i, load(ahi, alo, i) + load(bhi, blo, i));
}

void r128_sub(const int64_t *ahi, const int64_t *alo, const int64_t *bhi, const int64_t *blo,
              int64_t *ohi, int64_t *olo, int n) {
    for (long i = 0; i < n; i++) store(ohi, olo, i, load(ahi, alo, i) - load(bhi, blo, i));
}

void r128_mul(const int64_t *ahi, const int64_t *alo, const int64_t *bhi, const int64_t *blo,
              int64_t *ohi, int64_t *olo, int n) {
    for (long i = 0; i < n; i++) store(ohi, olo, i, load(ahi, alo, i) * load(bhi, blo, i));
}

/* the elementwise Beaver combination: e * (f + b) + a * f + c for P0, e * b + a * f + c for P1 */
void r128_beaver(int with_ef, const int64_t *ehi, const int64_t *elo, const int64_t *fhi, const int64_t *flo,
                 const int64_t *ahi, const int64_t *alo, const int64_t *bhi, const int64_t *blo,
                 const int64_t *chi, const int64_t *clo, int64_t *ohi, int64_t *olo, int n) {
    for (long i = 0; i < n; i++) {
        u128 f = load(fhi, flo, i), b = load(bhi, blo, i);
        store(ohi, olo, i, load(ehi, elo, i) * (with_ef ? f + b : b) + load(ahi, alo, i) * f + load(chi, clo, i));
    }
}

/* arithmetic shift: floor division by 2^bits of the signed value */
void r128_shr(const int64_t *hi, const int64_t *lo, int bits, int64_t *ohi, int64_t *olo, int n) {
    for (long i = 0; i < n; i++) store(ohi, olo, i, (u128)((__int128)load(hi, lo, i) >> bits));
}

/* rows x k row-major copy of an operand stored rows x k, or k x rows when transposed */
static u128 *pack(const int64_t *hi, const int64_t *lo, int transposed, int rows, int k, int threads) {
    u128 *out = malloc(sizeof(u128) * (size_t)rows * (size_t)k);
    if (!out) return NULL;
    #pragma omp parallel for schedule(static) num_threads(threads)
    for (long r = 0; r < rows; r++)
        for (long c = 0; c < k; c++)
            out[r * k + c] = load(hi, lo, transposed ? c * rows + r : r * k + c);
    return out;
}

/* whether r128_matmul takes the AVX-512 product (ring128_gemm.c) where the CPU has it */
static volatile int use_simd = 1;

/* turns the AVX-512 product on or off (for tests of both paths); returns the previous setting */
int r128_use_simd(int on) {
    int previous = use_simd;
    use_simd = on != 0;
    return previous;
}

/*
 * The portable product: dot products of rows of A and rows of B^T, 2 x 2 register blocks,
 * columns split across threads. Returns 0, or -1 when memory runs out.
 */
static int matmul_portable(const int64_t *ahi, const int64_t *alo, int transA, const int64_t *bhi, const int64_t *blo,
                int transB, int m, int k, int n, int64_t *ohi, int64_t *olo, int threads) {
    u128 *a = pack(ahi, alo, transA, m, k, threads);
    u128 *bt = pack(bhi, blo, !transB, n, k, threads);
    if (!a || !bt) { free(a); free(bt); return -1; }
    long pairs = (n + 1) / 2;
    #pragma omp parallel for schedule(dynamic, 8) num_threads(threads)
    for (long jp = 0; jp < pairs; jp++) {
        long j = 2 * jp;
        const u128 *b0 = bt + j * k;
        if (j + 1 < n) {
            const u128 *b1 = b0 + k;
            long i = 0;
            for (; i + 1 < m; i += 2) {
                const u128 *a0 = a + i * k, *a1 = a0 + k;
                u128 s00 = 0, s01 = 0, s10 = 0, s11 = 0;
                for (long t = 0; t < k; t++) {
                    u128 x0 = a0[t], x1 = a1[t], y0 = b0[t], y1 = b1[t];
                    s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
                }
                store(ohi, olo, i * n + j, s00); store(ohi, olo, i * n + j + 1, s01);
                store(ohi, olo, (i + 1) * n + j, s10); store(ohi, olo, (i + 1) * n + j + 1, s11);
            }
            for (; i < m; i++) {
                const u128 *a0 = a + i * k;
                u128 s0 = 0, s1 = 0;
                for (long t = 0; t < k; t++) { s0 += a0[t] * b0[t]; s1 += a0[t] * b1[t]; }
                store(ohi, olo, i * n + j, s0); store(ohi, olo, i * n + j + 1, s1);
            }
        } else {
            for (long i = 0; i < m; i++) {
                const u128 *a0 = a + i * k;
                u128 s = 0;
                for (long t = 0; t < k; t++) s += a0[t] * b0[t];
                store(ohi, olo, i * n + j, s);
            }
        }
    }
    free(a);
    free(bt);
    return 0;
}

/*
 * out (m x n) = op(a) * op(b); a is stored k x m when transA, b is stored n x k when transB.
 * Returns 0, or -1 when memory runs out.
 */
int r128_matmul(const int64_t *ahi, const int64_t *alo, int transA, const int64_t *bhi, const int64_t *blo,
                int transB, int m, int k, int n, int64_t *ohi, int64_t *olo, int threads) {
    if (use_simd && r128_gemm_available())
        return r128_gemm(ahi, alo, transA, bhi, blo, transB, m, k, n, ohi, olo, threads);
    return matmul_portable(ahi, alo, transA, bhi, blo, transB, m, k, n, ohi, olo, threads);
}

/* the thread count of the loops that take none: 0 until set, which means OpenMP's default
 * (OMP_NUM_THREADS, else every core). One per library, so one per process. */
static int loop_threads = 0;

void r128_set_threads(int threads) { loop_threads = threads > 0 ? threads : 0; }

int r128_threads(void) { return loop_threads > 0 ? loop_threads : omp_get_max_threads(); }

/* row (c, ky, kx) of the column matrix: for each image and output position, the input element or 0 */
void r128_im2col(const int64_t *hi, const int64_t *lo, int batch, int channels, int height, int width,
                 int kernel, int stride, int padding, int64_t *ohi, int64_t *olo) {
    int oh = (height + 2 * padding - kernel) / stride + 1, ow = (width + 2 * padding - kernel) / stride + 1;
    long cols = (long)batch * oh * ow, rows = (long)channels * kernel * kernel;
    #pragma omp parallel for schedule(static) if(rows * cols > 16384) num_threads(r128_threads())
    for (long r = 0; r < rows; r++) {
        int kx = (int)(r % kernel), ky = (int)(r / kernel % kernel), c = (int)(r / kernel / kernel);
        long out = r * cols;
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < oh; oy++) {
                int y = oy * stride - padding + ky;
                long row = (((long)b * channels + c) * height + y) * width;
                for (int ox = 0; ox < ow; ox++, out++) {
                    int x = ox * stride - padding + kx;
                    int inside = y >= 0 && y < height && x >= 0 && x < width;
                    ohi[out] = inside ? hi[row + x] : 0;
                    olo[out] = inside ? lo[row + x] : 0;
                }
            }
    }
}

/* each image plane (b, c) sums the column-matrix entries of its channel's rows that unfold it */
void r128_col2im(const int64_t *hi, const int64_t *lo, int batch, int channels, int height, int width,
                 int kernel, int stride, int padding, int64_t *ohi, int64_t *olo) {
    int oh = (height + 2 * padding - kernel) / stride + 1, ow = (width + 2 * padding - kernel) / stride + 1;
    long cols = (long)batch * oh * ow, plane = (long)height * width, planes = (long)batch * channels;
    #pragma omp parallel for schedule(static) if(planes * plane > 16384) num_threads(r128_threads())
    for (long p = 0; p < planes; p++) {
        int b = (int)(p / channels), c = (int)(p % channels);
        long base = p * plane;
        memset(ohi + base, 0, sizeof(int64_t) * (size_t)plane);
        memset(olo + base, 0, sizeof(int64_t) * (size_t)plane);
        for (int ky = 0; ky < kernel; ky++)
            for (int kx = 0; kx < kernel; kx++) {
                long in = (((long)c * kernel + ky) * kernel + kx) * cols + (long)b * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int y = oy * stride - padding + ky;
                    for (int ox = 0; ox < ow; ox++, in++) {
                        int x = ox * stride - padding + kx;
                        if (y >= 0 && y < height && x >= 0 && x < width) {
                            long dst = base + (long)y * width + x;
                            store(ohi, olo, dst, load(ohi, olo, dst) + load(hi, lo, in));
                        }
                    }
                }
            }
    }
}

/* The plain triple loop (i, j, t), single-threaded: the reference the benchmarks compare against. */
void r128_matmul_reference(const int64_t *ahi, const int64_t *alo, const int64_t *bhi, const int64_t *blo,
                           int m, int k, int n, int64_t *ohi, int64_t *olo) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
            u128 s = 0;
            for (long t = 0; t < k; t++) s += load(ahi, alo, i * k + t) * load(bhi, blo, t * n + j);
            store(ohi, olo, i * n + j, s);
        }
}
