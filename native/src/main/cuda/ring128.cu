/*
 * spdz4j CUDA kernels for Z_2^128: the device API of ring128_device_ops.inc and the tiled,
 * split-K matrix product of ring128_matmul.h, both also run on the host by device_host.c. Tensors
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
#include <string.h>
#include "../c/ring128_matmul.h"

static long grid_for(long n) {
    long blocks = (n + MM_THREADS - 1) / MM_THREADS;
    return blocks < (1L << 20) ? blocks : (1L << 20);
}

#define KERNEL(name, params, count, ...)                                                   \
    __global__ void name params {                                                          \
        for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < (count);            \
             i += (long)gridDim.x * blockDim.x) { __VA_ARGS__; }                           \
    }
#define LAUNCH(name, count, args) \
    do { if ((count) > 0) name<<<(unsigned)grid_for(count), MM_THREADS>>> args; } while (0)
#define LAUNCH_STATUS() ((int)cudaGetLastError())

extern "C" {

#include "../c/ring128_device_ops.inc"
#define AES_TABLE __device__ const
#include "../c/aes_portable.inc"

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

/* a failed call's status, cleared so that the next launch does not report it again */
static int failed(cudaError_t e) {
    if (e != cudaSuccess) cudaGetLastError();
    return (int)e;
}

int r128d_alloc(long n, int64_t **out) {
    return failed(cudaMallocAsync((void **)out, sizeof(int64_t) * 2 * (size_t)(n > 0 ? n : 1), 0));
}

int r128d_free(int64_t *p) {
    return (int)cudaFreeAsync(p, 0);
}

/* page-locked host memory for the copies below: the copy engine reads and writes it directly */
int r128d_host_alloc(long words, int64_t **out) {
    return failed(cudaMallocHost((void **)out, sizeof(int64_t) * (size_t)(words > 0 ? words : 1)));
}

int r128d_host_free(int64_t *p) {
    return failed(cudaFreeHost(p));
}

/* a tensor's 2n words from page-locked host memory (high words, then low words); returns when copied */
int r128d_upload_staged(int64_t *d, const int64_t *staged, long n) {
    return failed(cudaMemcpy(d, staged, sizeof(int64_t) * 2 * (size_t)n, cudaMemcpyHostToDevice));
}

/* a tensor's 2n words into page-locked host memory, after every kernel queued before */
int r128d_download_staged(const int64_t *d, int64_t *staged, long n) {
    return failed(cudaMemcpy(staged, d, sizeof(int64_t) * 2 * (size_t)n, cudaMemcpyDeviceToHost));
}

int r128d_sync(void) {
    return (int)cudaDeviceSynchronize();
}

__global__ void __launch_bounds__(MM_THREADS) k_matmul(mm_args p, int64_t *out) {
    __shared__ mm_tiles tiles;
    const int row0 = blockIdx.y * MM_BM, col0 = blockIdx.x * MM_BN;
    const int k_begin = blockIdx.z * p.k_slice, k_end = min(p.k, k_begin + p.k_slice);
    e128 acc[MM_TM][MM_TN];
    R128_UNROLL
    for (int i = 0; i < MM_TM; i++)
        R128_UNROLL
        for (int j = 0; j < MM_TN; j++) acc[i][j].hi = acc[i][j].lo = 0;
    for (int t0 = k_begin; t0 < k_end; t0 += MM_BK) {
        mm_load(&tiles, threadIdx.x, &p, row0, col0, t0, k_end);
        __syncthreads();
        mm_compute(&tiles, threadIdx.x, acc);
        __syncthreads();
    }
    mm_store(out + (long)blockIdx.z * 2 * p.m * p.n, &p, threadIdx.x, row0, col0, acc);
}

int r128d_matmul(const int64_t *a, int trans_a, const int64_t *b, int trans_b, int m, int k, int n, int64_t *o) {
    if (m <= 0 || n <= 0 || k < 0) return R128D_EINVAL;
    mm_args p = {a, b, trans_a, trans_b, m, k, n, 0};
    int slices;
    mm_plan(multiprocessors, m, k, n, &slices, &p.k_slice);
    dim3 grid((n + MM_BN - 1) / MM_BN, (m + MM_BM - 1) / MM_BM, slices);
    if (slices == 1) {
        k_matmul<<<grid, MM_THREADS>>>(p, o);
        return LAUNCH_STATUS();
    }
    int64_t *parts;
    long on = (long)m * n;
    cudaError_t e = cudaMallocAsync((void **)&parts, sizeof(int64_t) * 2 * (size_t)on * slices, 0);
    if (e != cudaSuccess) return failed(e);
    k_matmul<<<grid, MM_THREADS>>>(p, parts);
    LAUNCH(k_sum_slices, on, (parts, slices, o, on));
    int status = LAUNCH_STATUS();
    cudaError_t f = cudaFreeAsync(parts, 0);
    return status != 0 ? status : (int)f;
}

}
