/*
 * spdz4j CUDA kernels for Z_2^128: the device API of ring128_elem.h / ring128_device_ops.inc
 * (also emulated on the host by device_host.c) plus a tiled, split-K matrix product. Tensors
 * live in device memory as one buffer of 2n words (high words, then low words); results stay
 * there until the Java side downloads them. Built by the Maven build with nvcc for sm_90 (H100,
 * H200) plus PTX; loaded with JNA (org.spdz4j.accel.DeviceRingBackend).
 *
 * Every r128d_* function returns 0 or an error code: CUDA's cudaError_t (positive) or
 * R128D_EINVAL. Kernel faults surface at the next synchronising call (download, sync).
 */
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include "../c/ring128_elem.h"

#define THREADS 256

static long grid_for(long n) {
    long blocks = (n + THREADS - 1) / THREADS;
    return blocks < (1L << 20) ? blocks : (1L << 20);
}

#define KERNEL(name, params, count, ...)                                                   \
    __global__ void name params {                                                          \
        for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < (count);            \
             i += (long)gridDim.x * blockDim.x) { __VA_ARGS__; }                           \
    }
#define LAUNCH(name, count, args) \
    do { if ((count) > 0) name<<<(unsigned)grid_for(count), THREADS>>> args; } while (0)
#define LAUNCH_STATUS() ((int)cudaGetLastError())

extern "C" {

#include "../c/ring128_device_ops.inc"

static int multiprocessors = 132;

int r128d_init(char *name, int len) {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) return (int)e;
    if (count == 0) return (int)cudaErrorNoDevice;
    if ((e = cudaSetDevice(0)) != cudaSuccess) return (int)e;
    cudaDeviceProp p;
    if ((e = cudaGetDeviceProperties(&p, 0)) != cudaSuccess) return (int)e;
    multiprocessors = p.multiProcessorCount;
    snprintf(name, (size_t)len, "%s (sm_%d%d, %d SMs)", p.name, p.major, p.minor, p.multiProcessorCount);
    // keep freed memory in the pool: training allocates the same sizes every step
    cudaMemPool_t pool;
    if ((e = cudaDeviceGetDefaultMemPool(&pool, 0)) != cudaSuccess) return (int)e;
    uint64_t keep = UINT64_MAX;
    return (int)cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep);
}

const char *r128d_error_string(int code) {
    if (code == R128D_EINVAL) return "invalid argument to a spdz4j kernel";
    if (code < 0) return "unknown spdz4j error";
    return cudaGetErrorString((cudaError_t)code);
}

int r128d_alloc(long n, int64_t **out) {
    return (int)cudaMallocAsync((void **)out, sizeof(int64_t) * 2 * (size_t)(n > 0 ? n : 1), 0);
}

int r128d_free(int64_t *p) {
    return (int)cudaFreeAsync(p, 0);
}

int r128d_upload(int64_t *d, const int64_t *hi, const int64_t *lo, long n) {
    cudaError_t e = cudaMemcpy(d, hi, sizeof(int64_t) * (size_t)n, cudaMemcpyHostToDevice);
    if (e == cudaSuccess) e = cudaMemcpy(d + n, lo, sizeof(int64_t) * (size_t)n, cudaMemcpyHostToDevice);
    return (int)e;
}

int r128d_download(const int64_t *d, int64_t *hi, int64_t *lo, long n) {
    cudaError_t e = cudaMemcpy(hi, d, sizeof(int64_t) * (size_t)n, cudaMemcpyDeviceToHost);
    if (e == cudaSuccess) e = cudaMemcpy(lo, d + n, sizeof(int64_t) * (size_t)n, cudaMemcpyDeviceToHost);
    return (int)e;
}

int r128d_sync(void) {
    return (int)cudaDeviceSynchronize();
}

/*
 * Matrix product: each block computes a BM x BN tile of op(a) op(b) over one slice of k
 * (split-K when the tiles alone would leave multiprocessors idle), staging BK-deep slabs of
 * both operands in shared memory; each thread keeps a TM x TN block of 128-bit accumulators in
 * registers, its rows and columns strided so shared-memory reads are broadcasts or conflict-free.
 */
#define BM 32
#define BN 128
#define BK 16
#define TM 4
#define TN 4

__global__ void __launch_bounds__(THREADS)
k_matmul(const int64_t *a, int ta, const int64_t *b, int tb, int m, int k, int n, int k_slice, int64_t *out) {
    __shared__ uint64_t a_hi[BK][BM], a_lo[BK][BM], b_hi[BK][BN], b_lo[BK][BN];
    const int tx = threadIdx.x % (BN / TN), ty = threadIdx.x / (BN / TN);
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    const int k_begin = blockIdx.z * k_slice, k_end = min(k, k_begin + k_slice);
    const long an = (long)m * k, bn = (long)k * n, on = (long)m * n;
    const e128 zero = {0, 0};
    e128 acc[TM][TN];
    #pragma unroll
    for (int i = 0; i < TM; i++)
        #pragma unroll
        for (int j = 0; j < TN; j++) acc[i][j] = zero;

    for (int t0 = k_begin; t0 < k_end; t0 += BK) {
        for (int idx = threadIdx.x; idx < BK * BM; idx += THREADS) {
            // walk the operand's contiguous direction with consecutive threads
            int kk = ta ? idx / BM : idx % BK, r = ta ? idx % BM : idx / BK;
            int gr = row0 + r, gt = t0 + kk;
            e128 v = (gr < m && gt < k_end) ? op_at(a, an, ta, m, k, gr, gt) : zero;
            a_hi[kk][r] = v.hi;
            a_lo[kk][r] = v.lo;
        }
        for (int idx = threadIdx.x; idx < BK * BN; idx += THREADS) {
            int kk = tb ? idx % BK : idx / BN, c = tb ? idx / BK : idx % BN;
            int gc = col0 + c, gt = t0 + kk;
            e128 v = (gc < n && gt < k_end) ? op_at(b, bn, !tb, n, k, gc, gt) : zero;
            b_hi[kk][c] = v.hi;
            b_lo[kk][c] = v.lo;
        }
        __syncthreads();
        #pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            e128 av[TM], bv[TN];
            #pragma unroll
            for (int i = 0; i < TM; i++) { av[i].hi = a_hi[kk][ty + i * (BM / TM)]; av[i].lo = a_lo[kk][ty + i * (BM / TM)]; }
            #pragma unroll
            for (int j = 0; j < TN; j++) { bv[j].hi = b_hi[kk][tx + j * (BN / TN)]; bv[j].lo = b_lo[kk][tx + j * (BN / TN)]; }
            #pragma unroll
            for (int i = 0; i < TM; i++)
                #pragma unroll
                for (int j = 0; j < TN; j++) e128_mac(&acc[i][j], av[i], bv[j]);
        }
        __syncthreads();
    }
    int64_t *o = out + (long)blockIdx.z * 2 * on;
    #pragma unroll
    for (int i = 0; i < TM; i++)
        #pragma unroll
        for (int j = 0; j < TN; j++) {
            int r = row0 + ty + i * (BM / TM), c = col0 + tx + j * (BN / TN);
            if (r < m && c < n) e128_put(o, on, (long)r * n + c, acc[i][j]);
        }
}

KERNEL(k_sum_slices, (const int64_t *parts, int slices, int64_t *o, long n), n, {
    e128 s = e128_get(parts, n, i);
    for (int z = 1; z < slices; z++) s = e128_add(s, e128_get(parts + (long)z * 2 * n, n, i));
    e128_put(o, n, i, s);
})

int r128d_matmul(const int64_t *a, int trans_a, const int64_t *b, int trans_b, int m, int k, int n, int64_t *o) {
    if (m <= 0 || n <= 0 || k < 0) return R128D_EINVAL;
    long tiles = (long)((n + BN - 1) / BN) * ((m + BM - 1) / BM);
    long wanted = (2L * multiprocessors + tiles - 1) / tiles;
    long most = (k + 8 * BK - 1) / (8 * BK);          // at least 8 slabs per slice
    int slices = (int)(wanted < most ? wanted : most);
    if (slices < 1) slices = 1;
    int k_slice = ((k + slices - 1) / slices + BK - 1) / BK * BK;
    if (k_slice == 0) k_slice = BK;
    slices = k == 0 ? 1 : (k + k_slice - 1) / k_slice;
    dim3 grid((n + BN - 1) / BN, (m + BM - 1) / BM, slices);
    if (slices == 1) {
        k_matmul<<<grid, THREADS>>>(a, trans_a, b, trans_b, m, k, n, k_slice, o);
        return LAUNCH_STATUS();
    }
    int64_t *parts;
    long on = (long)m * n;
    cudaError_t e = cudaMallocAsync((void **)&parts, sizeof(int64_t) * 2 * (size_t)on * slices, 0);
    if (e != cudaSuccess) return (int)e;
    k_matmul<<<grid, THREADS>>>(a, trans_a, b, trans_b, m, k, n, k_slice, parts);
    LAUNCH(k_sum_slices, on, (parts, slices, o, on));
    int status = LAUNCH_STATUS();
    cudaError_t f = cudaFreeAsync(parts, 0);
    return status != 0 ? status : (int)f;
}

}
