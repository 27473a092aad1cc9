package org.spdz4j.core.ring;

/**
 * Bit-sliced rows and the elements they hold: the 64 x 64 bit transpose that turns 64 words of
 * one element each into one word per bit of 64 elements, and back, and the heap
 * implementations of {@link RingBackend#bitRows} and {@link RingBackend#fromBitRows} built on it.
 */
final class BitMatrix {
    private BitMatrix() {
    }

    /** Heap {@link RingBackend#bitRows}: one pass over the elements, 64 at a time. */
    static long[] bitRows(Ring128Tensor t, int rows) {
        int n = t.size();
        int w = (n + 63) >>> 6;
        long[] out = new long[rows * w];
        long[] block = new long[64];
        for (int half = 0; half * 64 < rows; half++) {
            long[] src = half == 0 ? t.loWords() : t.hiWords();
            for (int j = 0; j < w; j++) {
                int base = j << 6;
                int len = Math.min(64, n - base);
                System.arraycopy(src, base, block, 0, len);
                java.util.Arrays.fill(block, len, 64, 0L);
                transpose64(block);
                for (int b = half * 64; b < Math.min(rows, half * 64 + 64); b++) {
                    out[b * w + j] = block[b - half * 64];
                }
            }
        }
        return out;
    }

    /** Heap {@link RingBackend#fromBitRows}: 64 elements at a time. */
    static Ring128Tensor fromBitRows(Ring128Tensor t, long firstWord, int rows, int n) {
        int w = (n + 63) >>> 6;
        long[] tHi = t.hiWords();
        long[] tLo = t.loWords();
        long[] hi = new long[n];
        long[] lo = new long[n];
        long[] block = new long[64];
        for (int j = 0; j < w; j++) {
            for (int b = 0; b < 64; b++) {
                long k = firstWord + (long) b * w + j;
                block[b] = b >= rows ? 0 : (k & 1) == 0 ? tLo[(int) (k >>> 1)] : tHi[(int) (k >>> 1)];
            }
            transpose64(block);
            for (int e = 64 * j; e < Math.min(n, 64 * j + 64); e++) {
                long v = block[e - 64 * j] << (64 - rows) >> (64 - rows);
                lo[e] = v;
                hi[e] = v >> 63;
            }
        }
        return Ring128Tensor.wrap(Shape.of(n), hi, lo);
    }

    /** Transposes a 64 x 64 bit matrix in place: bit j of word i goes to bit i of word j. */
    static void transpose64(long[] a) {
        long mask = 0x00000000FFFFFFFFL;
        for (int s = 32; s != 0; s >>>= 1, mask ^= mask << s) {
            for (int k = 0; k < 64; k++) {
                if ((k & s) == 0) {
                    long t = ((a[k] >>> s) ^ a[k + s]) & mask;
                    a[k] ^= t << s;
                    a[k + s] ^= t;
                }
            }
        }
    }
}
