/*
 * The PRG's expansion on the CPU: AES-128 in counter mode with the AES-NI instructions, written
 * straight into a tensor's native words. Element i is the block AES_key(counter + i) (the
 * counter a big-endian 128-bit number, as javax.crypto's AES/CTR/NoPadding counts), its first 8
 * bytes little-endian the low word and the next 8 the high word: bit for bit what
 * org.spdz4j.core.ring.AesCounterWords computes with the JDK. Part of libspdz4j_devcpu.so.
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>
#include "ring128.h"
#include "ring128_elem.h"

#define AES_TARGET __attribute__((target("aes,sse4.1")))
/* blocks encrypted side by side: enough to hide the latency of aesenc */
#define LANES 8

/* whether this CPU has the AES instructions; 0 leaves the expansion to Java */
int r128d_has_aes(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1");
}

#define EXPAND(k, rcon) expand_step(k, _mm_aeskeygenassist_si128(k, rcon))

static AES_TARGET __m128i expand_step(__m128i key, __m128i assist) {
    assist = _mm_shuffle_epi32(assist, 0xff);
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

static AES_TARGET void key_schedule(const uint8_t *key, __m128i rk[11]) {
    rk[0] = _mm_loadu_si128((const __m128i *)key);
    rk[1] = EXPAND(rk[0], 0x01); rk[2] = EXPAND(rk[1], 0x02); rk[3] = EXPAND(rk[2], 0x04);
    rk[4] = EXPAND(rk[3], 0x08); rk[5] = EXPAND(rk[4], 0x10); rk[6] = EXPAND(rk[5], 0x20);
    rk[7] = EXPAND(rk[6], 0x40); rk[8] = EXPAND(rk[7], 0x80); rk[9] = EXPAND(rk[8], 0x1b);
    rk[10] = EXPAND(rk[9], 0x36);
}

static uint64_t big_endian(const uint8_t *b) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | b[i];
    return v;
}

/* the counter block (hi, lo) + i as the 16 bytes AES encrypts */
static AES_TARGET __m128i counter_block(uint64_t hi, uint64_t lo, uint64_t i) {
    uint64_t l = lo + i, h = hi + (l < lo);
    return _mm_set_epi64x((long long)__builtin_bswap64(l), (long long)__builtin_bswap64(h));
}

static AES_TARGET void store(int64_t *o, long n, long i, __m128i block) {
    o[n + i] = _mm_cvtsi128_si64(block);        /* bytes 0-7: the low word */
    o[i] = _mm_extract_epi64(block, 1);         /* bytes 8-15: the high word */
}

/* blocks [from, to) of the keystream */
static AES_TARGET void encrypt_range(const __m128i rk[11], uint64_t hi, uint64_t lo, int64_t *o, long n, long from,
                                     long to) {
    long i = from;
    for (; i + LANES <= to; i += LANES) {
        __m128i b[LANES];
        for (int l = 0; l < LANES; l++) b[l] = _mm_xor_si128(counter_block(hi, lo, (uint64_t)(i + l)), rk[0]);
        for (int r = 1; r < 10; r++)
            for (int l = 0; l < LANES; l++) b[l] = _mm_aesenc_si128(b[l], rk[r]);
        for (int l = 0; l < LANES; l++) store(o, n, i + l, _mm_aesenclast_si128(b[l], rk[10]));
    }
    for (; i < to; i++) {
        __m128i b = _mm_xor_si128(counter_block(hi, lo, (uint64_t)i), rk[0]);
        for (int r = 1; r < 10; r++) b = _mm_aesenc_si128(b, rk[r]);
        store(o, n, i, _mm_aesenclast_si128(b, rk[10]));
    }
}

/* n elements of the keystream of `key` (16 bytes) from `counter` (16 bytes) into the tensor o */
AES_TARGET int r128d_aes_ctr(const uint8_t *key, const uint8_t *counter, int64_t *o, long n) {
    if (n < 0 || !r128d_has_aes()) return R128D_EINVAL;
    __m128i rk[11];
    key_schedule(key, rk);
    uint64_t hi = big_endian(counter), lo = big_endian(counter + 8);
    const long chunk = 1L << 14;
    #pragma omp parallel for schedule(static) if(n > chunk) num_threads(r128_threads())
    for (long from = 0; from < n; from += chunk) encrypt_range(rk, hi, lo, o, n, from, from + chunk < n ? from + chunk : n);
    explicit_bzero(rk, sizeof rk);   /* the round keys are the seed's */
    return R128D_OK;
}
