/*
 * The machine's peak 64-bit multiply throughput, for the benchmark that rates the matrix product
 * against it (Ring128MatmulBenchmark's peak benchmark): independent chains of one multiply
 * instruction, so that only the multiplier's throughput limits them. Kinds:
 *   0: mul, 64 x 64 -> 128 bits (scalar; the low product of a ring MAC)
 *   1: imul, 64 x 64 -> 64 bits (scalar; the cross terms of the portable product)
 *   2: vpmullq, 8 lanes of 64 x 64 -> 64 bits (AVX-512; the cross terms of the vector product)
 * Each thread runs `iterations` rounds of 4 (scalar) or 8 (vector) multiplies; returns a checksum
 * so the work cannot be optimised away, or -1 for a kind this CPU lacks.
 */
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>

typedef unsigned __int128 u128;

static uint64_t chains_full(long iterations, uint64_t seed) {
    uint64_t x0 = seed * 3 | 1, x1 = seed * 5 | 1, x2 = seed * 7 | 1, x3 = seed * 9 | 1;
    u128 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (long i = 0; i < iterations; i++) {
        s0 += (u128)x0 * x1; s1 += (u128)x1 * x2; s2 += (u128)x2 * x3; s3 += (u128)x3 * x0;
        __asm__ volatile("" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3));
    }
    s0 ^= s1 ^ s2 ^ s3;
    return (uint64_t)s0 ^ (uint64_t)(s0 >> 64);
}

static uint64_t chains_low(long iterations, uint64_t seed) {
    uint64_t x0 = seed * 3 | 1, x1 = seed * 5 | 1, x2 = seed * 7 | 1, x3 = seed * 9 | 1, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (long i = 0; i < iterations; i++) {
        s0 += x0 * x1; s1 += x1 * x2; s2 += x2 * x3; s3 += x3 * x0;
        __asm__ volatile("" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3));
    }
    return s0 ^ s1 ^ s2 ^ s3;
}

static __attribute__((target("avx512f,avx512dq"))) uint64_t chains_vector(long iterations, uint64_t seed) {
    __m512i x[8], s[8];
    for (int l = 0; l < 8; l++) {
        x[l] = _mm512_set1_epi64((long long)(seed * (uint64_t)(2 * l + 3) | 1));
        s[l] = _mm512_setzero_si512();
    }
    for (long i = 0; i < iterations; i++) {
        for (int l = 0; l < 8; l++) s[l] = _mm512_add_epi64(s[l], _mm512_mullo_epi64(x[l], x[(l + 1) & 7]));
        __asm__ volatile("" : "+v"(x[0]), "+v"(x[1]));
    }
    __m512i r = s[0];
    for (int l = 1; l < 8; l++) r = _mm512_xor_si512(r, s[l]);
    return (uint64_t)_mm512_reduce_add_epi64(r);
}

long r128_peak_kernel(int kind, long iterations, int threads) {
    __builtin_cpu_init();
    if (kind < 0 || kind > 2 || (kind == 2 && !(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))))
        return -1;
    uint64_t sum = 0;
    #pragma omp parallel num_threads(threads) reduction(^ : sum)
    {
        uint64_t seed = (uint64_t)omp_get_thread_num() + 5;
        sum ^= kind == 0 ? chains_full(iterations, seed) : kind == 1 ? chains_low(iterations, seed)
                                                                   : chains_vector(iterations, seed);
    }
    return (long)(sum & 0x7fffffffffffffffL);
}
