/*
 * The Z_2^128 matrix product split by where each part runs fastest on a CPU with AVX-512:
 *
 *   a * b mod 2^128 = lo(a) * lo(b)                      (the full 64 x 64 -> 128-bit product)
 *                   + 2^64 (hi(a) lo(b) + lo(a) hi(b))  (mod 2^64: only its low word counts)
 *
 * The cross terms are a 64-bit product mod 2^64 of depth 2k, [hi(A) | lo(A)] * [lo(B) ; hi(B)],
 * which vpmullq computes eight lanes at a time (the vector pass); the full low product runs on
 * the scalar multiplier, 2 x 2 blocks of 128-bit accumulators (the scalar pass). Both passes
 * block the depth so that their panels stay in cache; threads split the columns.
 * Bit for bit the product of ring128.c's r128_matmul, which it replaces where the CPU has
 * AVX-512 (see r128_gemm_available).
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ring128.h"

typedef unsigned __int128 u128;

#define MR 8       /* rows of a vector block */
#define NR 16      /* columns of a vector block: two zmm registers */
#define KC 256     /* depth of a vector block (of the 2k cross terms) */
#define KS 1024    /* depth of a scalar block */

#define SIMD __attribute__((target("avx512f,avx512dq")))

int r128_gemm_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}

/*
 * Each calling thread keeps its packing space between products (freed when the thread ends):
 * a fresh buffer of this size would cost a page fault per 4 KiB on first touch, as much as
 * packing itself.
 */
struct scratch {
    size_t bytes;
    size_t pad[7];           /* the data starts 64 bytes in */
    unsigned char data[];
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_key_init(void) {
    pthread_key_create(&scratch_key, free);
}

static void *scratch(size_t bytes) {
    pthread_once(&scratch_once, scratch_key_init);
    struct scratch *s = pthread_getspecific(scratch_key);
    if (s && s->bytes >= bytes) return s->data;
    free(s);
    void *fresh = NULL;
    s = posix_memalign(&fresh, 64, sizeof(struct scratch) + bytes) == 0 ? fresh : NULL;
    if (s) s->bytes = bytes;
    pthread_setspecific(scratch_key, s);
    return s ? s->data : NULL;
}

static long round_up(long x, long to) {
    return (x + to - 1) / to * to;
}

/*
 * Copies an operand seen as depth x width (stored so, or width x depth when width_major) into
 * panels of w columns: panel p holds, for each of dst_depth depths, its w words; the operand
 * goes to depths [offset, offset + depth). Reads follow the storage order.
 */
static void pack(const int64_t *src, int width_major, long depth, long width, int w, uint64_t *dst, long dst_depth,
                 long offset, int threads) {
    long panels = (width + w - 1) / w;
    if (width_major) {
        #pragma omp parallel for schedule(static) num_threads(threads)
        for (long p = 0; p < panels; p++)
            for (int c = 0; c < w; c++) {
                const int64_t *from = src + (p * w + c) * depth;
                uint64_t *to = dst + p * dst_depth * w + offset * w + c;
                if (p * w + c < width) for (long t = 0; t < depth; t++) to[t * w] = (uint64_t)from[t];
                else for (long t = 0; t < depth; t++) to[t * w] = 0;   /* padding */
            }
    } else {
        #pragma omp parallel for schedule(static) num_threads(threads)
        for (long t = 0; t < depth; t++)
            for (long p = 0; p < panels; p++) {
                const int64_t *from = src + t * width + p * w;
                uint64_t *to = dst + p * dst_depth * w + (offset + t) * w;
                int count = width - p * w < w ? (int)(width - p * w) : w;
                for (int c = 0; c < count; c++) to[c] = (uint64_t)from[c];
                for (int c = count; c < w; c++) to[c] = 0;   /* padding */
            }
    }
}

/*
 * The cross terms: cross[i][j] (row stride np) = sum over the 2k depths of ap's row i times
 * bp's column j mod 2^64, where ap holds per block of MR rows [hi(A) | lo(A)] and bp per panel
 * of NR columns [lo(B) ; hi(B)].
 */
static SIMD void vector_pass(const uint64_t *ap, const uint64_t *bp, long mp, long np, long depth, uint64_t *cross,
                             int threads) {
    long panels = np / NR, blocks = mp / MR;
    #pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (long jb = 0; jb < panels; jb++) {
        for (long t0 = 0; t0 < depth; t0 += KC) {
            long t1 = t0 + KC < depth ? t0 + KC : depth;
            const uint64_t *b = bp + jb * depth * NR;
            for (long ib = 0; ib < blocks; ib++) {
                const uint64_t *a = ap + ib * depth * MR;
                uint64_t *c = cross + ib * MR * np + jb * NR;
                __m512i acc[MR][2];
                for (int r = 0; r < MR; r++) {
                    acc[r][0] = t0 == 0 ? _mm512_setzero_si512() : _mm512_loadu_si512(c + r * np);
                    acc[r][1] = t0 == 0 ? _mm512_setzero_si512() : _mm512_loadu_si512(c + r * np + 8);
                }
                for (long t = t0; t < t1; t++) {
                    __m512i b0 = _mm512_loadu_si512(b + t * NR), b1 = _mm512_loadu_si512(b + t * NR + 8);
                    for (int r = 0; r < MR; r++) {
                        __m512i x = _mm512_set1_epi64((long long)a[t * MR + r]);
                        acc[r][0] = _mm512_add_epi64(acc[r][0], _mm512_mullo_epi64(x, b0));
                        acc[r][1] = _mm512_add_epi64(acc[r][1], _mm512_mullo_epi64(x, b1));
                    }
                }
                for (int r = 0; r < MR; r++) {
                    _mm512_storeu_si512(c + r * np, acc[r][0]);
                    _mm512_storeu_si512(c + r * np + 8, acc[r][1]);
                }
            }
        }
    }
}

/*
 * The full low products, sum over t < k of lo(A)[i][t] lo(B)[t][j] as 128-bit numbers, read
 * from the same panels (lo(A) at ap's depths [k, 2k), lo(B) at bp's [0, k)), 2 x 2 outputs at a
 * time in registers, added to 2^64 cross[i][j] and written out. Depths beyond KS are taken in
 * blocks whose partial sums wait in `partial` (row stride np; only used when k > KS).
 */
static void scalar_pass(const uint64_t *ap, const uint64_t *bp, const uint64_t *cross, u128 *partial, int m, int n,
                        long np, long k, int64_t *ohi, int64_t *olo, int threads) {
    long panels = np / NR, blocks = (m + MR - 1) / MR, depth = 2 * k;
    #pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (long jb = 0; jb < panels; jb++) {
        for (long t0 = 0; t0 < k || t0 == 0; t0 += KS) {
            long t1 = t0 + KS < k ? t0 + KS : k;
            for (int cp = 0; cp < NR && jb * NR + cp < n; cp += 2) {
                const uint64_t *b = bp + jb * depth * NR + cp;
                for (long ib = 0; ib < blocks; ib++) {
                    for (int rp = 0; rp < MR && ib * MR + rp < m; rp += 2) {
                        const uint64_t *a = ap + ib * depth * MR + k * MR + rp;
                        long i = ib * MR + rp, j = jb * NR + cp, at = i * np + j;
                        u128 s00, s01, s10, s11;
                        if (t0 == 0) {
                            s00 = (u128)cross[at] << 64; s01 = (u128)cross[at + 1] << 64;
                            s10 = (u128)cross[at + np] << 64; s11 = (u128)cross[at + np + 1] << 64;
                        } else {
                            s00 = partial[at]; s01 = partial[at + 1]; s10 = partial[at + np]; s11 = partial[at + np + 1];
                        }
                        for (long t = t0; t < t1; t++) {
                            uint64_t x0 = a[t * MR], x1 = a[t * MR + 1], y0 = b[t * NR], y1 = b[t * NR + 1];
                            s00 += (u128)x0 * y0; s01 += (u128)x0 * y1; s10 += (u128)x1 * y0; s11 += (u128)x1 * y1;
                        }
                        if (t1 < k) {
                            partial[at] = s00; partial[at + 1] = s01; partial[at + np] = s10; partial[at + np + 1] = s11;
                            continue;
                        }
                        u128 s[2][2] = {{s00, s01}, {s10, s11}};
                        for (int r = 0; r < 2 && i + r < m; r++)
                            for (int c = 0; c < 2 && j + c < n; c++) {
                                ohi[(i + r) * n + j + c] = (int64_t)(uint64_t)(s[r][c] >> 64);
                                olo[(i + r) * n + j + c] = (int64_t)(uint64_t)s[r][c];
                            }
                    }
                }
            }
        }
    }
}

/*
 * out (m x n) = op(a) * op(b) mod 2^128 on structure-of-arrays words; a is stored k x m when
 * transA, b is stored n x k when transB. Returns 0, or -1 when memory runs out.
 */
SIMD int r128_gemm(const int64_t *ahi, const int64_t *alo, int transA, const int64_t *bhi, const int64_t *blo,
                   int transB, int m, int k, int n, int64_t *ohi, int64_t *olo, int threads) {
    long mp = round_up(m, MR), np = round_up(n, NR), depth = 2L * k;
    size_t ap_words = (size_t)(mp * depth), bp_words = (size_t)(np * depth), cross_words = (size_t)(mp * np);
    size_t partial_words = k > KS ? 2 * cross_words : 0;
    uint64_t *ap = scratch(sizeof(uint64_t) * (ap_words + bp_words + cross_words + partial_words));
    if (!ap) return -1;
    uint64_t *bp = ap + ap_words, *cross = bp + bp_words;
    u128 *partial = k > KS ? (u128 *)(cross + cross_words) : NULL;   /* 16-byte aligned: mp is a multiple of 8 */
    /* op(A) seen as depth k x width m is stored so when transposed; op(B) is k x n unless transposed */
    pack(ahi, !transA, k, m, MR, ap, depth, 0, threads);
    pack(alo, !transA, k, m, MR, ap, depth, k, threads);
    pack(blo, transB, k, n, NR, bp, depth, 0, threads);
    pack(bhi, transB, k, n, NR, bp, depth, k, threads);
    vector_pass(ap, bp, mp, np, depth, cross, threads);
    scalar_pass(ap, bp, cross, partial, m, n, np, k, ohi, olo, threads);
    return 0;
}
