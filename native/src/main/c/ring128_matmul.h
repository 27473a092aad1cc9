/*
 * The tiled matrix product of ring128.cu, written as the phases of one thread so that
 * device_host.c can run the same code block by block and thread by thread on the host:
 * the tiling, the operand index maps, the split of k and the edge handling are checked on
 * every CI run; only the barrier and the 4-instruction PTX multiply-accumulate are GPU-only.
 *
 * A block of MM_THREADS threads computes an MM_BM x MM_BN tile of op(a) op(b) over one slice of
 * k, staging MM_BK-deep slabs of both operands in shared memory; each thread keeps MM_TM x MM_TN
 * 128-bit accumulators, its rows and columns strided so shared-memory reads are broadcasts or
 * conflict-free. When the tiles alone would leave multiprocessors idle, k is split into slices
 * whose partial products are summed afterwards (mod 2^128, so the sum is exact).
 */
#ifndef SPDZ4J_RING128_MATMUL_H
#define SPDZ4J_RING128_MATMUL_H

#include "ring128_elem.h"

#define MM_THREADS 256
#define MM_BM 32
#define MM_BN 128
#define MM_BK 16
#define MM_TM 4
#define MM_TN 4

typedef struct {
    uint64_t a_hi[MM_BK][MM_BM], a_lo[MM_BK][MM_BM], b_hi[MM_BK][MM_BN], b_lo[MM_BK][MM_BN];
} mm_tiles;

typedef struct { const int64_t *a, *b; int trans_a, trans_b, m, k, n, k_slice; } mm_args;

/* slices of k, and their length, for a machine of `multiprocessors` */
R128_FN void mm_plan(int multiprocessors, int m, int k, int n, int *slices, int *k_slice) {
    long tiles = (long)((n + MM_BN - 1) / MM_BN) * ((m + MM_BM - 1) / MM_BM);
    long wanted = (2L * multiprocessors + tiles - 1) / tiles;
    long most = (k + 8 * MM_BK - 1) / (8 * MM_BK);          /* at least 8 slabs per slice */
    long s = wanted < most ? wanted : most;
    if (s < 1) s = 1;
    int len = (int)(((k + s - 1) / s + MM_BK - 1) / MM_BK * MM_BK);
    if (len == 0) len = MM_BK;
    *k_slice = len;
    *slices = k == 0 ? 1 : (k + len - 1) / len;
}

/* thread `tid` stages its share of the slab starting at t0 of block (row0, col0) */
R128_FN void mm_load(mm_tiles *s, int tid, const mm_args *p, int row0, int col0, int t0, int k_end) {
    const long an = (long)p->m * p->k, bn = (long)p->k * p->n;
    const e128 zero = {0, 0};
    for (int idx = tid; idx < MM_BK * MM_BM; idx += MM_THREADS) {
        /* consecutive threads walk the operand's contiguous direction */
        int kk = p->trans_a ? idx / MM_BM : idx % MM_BK, r = p->trans_a ? idx % MM_BM : idx / MM_BK;
        int gr = row0 + r, gt = t0 + kk;
        e128 v = (gr < p->m && gt < k_end) ? op_at(p->a, an, p->trans_a, p->m, p->k, gr, gt) : zero;
        s->a_hi[kk][r] = v.hi;
        s->a_lo[kk][r] = v.lo;
    }
    for (int idx = tid; idx < MM_BK * MM_BN; idx += MM_THREADS) {
        int kk = p->trans_b ? idx % MM_BK : idx / MM_BN, c = p->trans_b ? idx / MM_BK : idx % MM_BN;
        int gc = col0 + c, gt = t0 + kk;
        e128 v = (gc < p->n && gt < k_end) ? op_at(p->b, bn, !p->trans_b, p->n, p->k, gc, gt) : zero;
        s->b_hi[kk][c] = v.hi;
        s->b_lo[kk][c] = v.lo;
    }
}

/* thread `tid` accumulates the staged slab into its MM_TM x MM_TN block */
R128_FN void mm_compute(const mm_tiles *s, int tid, e128 acc[MM_TM][MM_TN]) {
    const int tx = tid % (MM_BN / MM_TN), ty = tid / (MM_BN / MM_TN);
R128_UNROLL
    for (int kk = 0; kk < MM_BK; kk++) {
        e128 av[MM_TM], bv[MM_TN];
R128_UNROLL
        for (int i = 0; i < MM_TM; i++) {
            av[i].hi = s->a_hi[kk][ty + i * (MM_BM / MM_TM)];
            av[i].lo = s->a_lo[kk][ty + i * (MM_BM / MM_TM)];
        }
R128_UNROLL
        for (int j = 0; j < MM_TN; j++) {
            bv[j].hi = s->b_hi[kk][tx + j * (MM_BN / MM_TN)];
            bv[j].lo = s->b_lo[kk][tx + j * (MM_BN / MM_TN)];
        }
R128_UNROLL
        for (int i = 0; i < MM_TM; i++)
R128_UNROLL
            for (int j = 0; j < MM_TN; j++) e128_mac(&acc[i][j], av[i], bv[j]);
    }
}

/* thread `tid` writes its block into the m x n tensor `o` */
R128_FN void mm_store(int64_t *o, const mm_args *p, int tid, int row0, int col0, e128 acc[MM_TM][MM_TN]) {
    const int tx = tid % (MM_BN / MM_TN), ty = tid / (MM_BN / MM_TN);
    const long on = (long)p->m * p->n;
    for (int i = 0; i < MM_TM; i++)
        for (int j = 0; j < MM_TN; j++) {
            int r = row0 + ty + i * (MM_BM / MM_TM), c = col0 + tx + j * (MM_BN / MM_TN);
            if (r < p->m && c < p->n) e128_put(o, on, (long)r * p->n + c, acc[i][j]);
        }
}

#endif
