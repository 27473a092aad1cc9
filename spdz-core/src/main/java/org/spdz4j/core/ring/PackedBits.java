package org.spdz4j.core.ring;

/**
 * The heap implementations of {@link RingBackend}'s packed-bit operations: a tensor's low bits
 * packed in a stream of 64-bit words (element i at bit {@code i * bits}, two words to a ring
 * element, the low word first), their sum with a tensor, sign-extended, and a range check.
 */
final class PackedBits {
    private PackedBits() {
    }

    /** Ring elements that carry {@code n} fields of {@code bits} bits: {@code ceil(n bits / 128)}. */
    static int packedSize(int n, int bits) {
        return (int) ((((long) n * bits + 63) >>> 6) + 1) / 2;
    }

    static Ring128Tensor pack(Ring128Tensor a, int bits) {
        int n = a.size();
        int elements = packedSize(n, bits);
        long[] stream = new long[2 * elements];
        long[] hi = a.hiWords();
        long[] lo = a.loWords();
        int low = Math.min(bits, 64);
        for (int i = 0; i < n; i++) {
            long at = (long) i * bits;
            put(stream, at, lo[i], low);
            if (bits > 64) {
                put(stream, at + 64, hi[i], bits - 64);
            }
        }
        long[] outHi = new long[elements];
        long[] outLo = new long[elements];
        for (int j = 0; j < elements; j++) {
            outLo[j] = stream[2 * j];
            outHi[j] = stream[2 * j + 1];
        }
        return Ring128Tensor.wrap(Shape.of(elements), outHi, outLo);
    }

    static Ring128Tensor addPacked(Ring128Tensor mine, Ring128Tensor packed, int bits) {
        int n = mine.size();
        long[] pHi = packed.hiWords();
        long[] pLo = packed.loWords();
        long[] stream = new long[2 * pHi.length + 1]; // one spare word: a field never reads past the stream
        for (int j = 0; j < pHi.length; j++) {
            stream[2 * j] = pLo[j];
            stream[2 * j + 1] = pHi[j];
        }
        long[] myHi = mine.hiWords();
        long[] myLo = mine.loWords();
        long[] hi = new long[n];
        long[] lo = new long[n];
        int low = Math.min(bits, 64);
        for (int i = 0; i < n; i++) {
            long at = (long) i * bits;
            long theirLo = get(stream, at, low);
            long theirHi = bits > 64 ? get(stream, at + 64, bits - 64) : 0;
            long sumLo = myLo[i] + theirLo;
            long sumHi = myHi[i] + theirHi + (Long.compareUnsigned(sumLo, myLo[i]) < 0 ? 1 : 0);
            if (bits <= 64) { // sign-extend from bit bits - 1
                sumLo = (sumLo << (64 - bits)) >> (64 - bits);
                sumHi = sumLo >> 63;
            } else {
                sumHi = (sumHi << (128 - bits)) >> (128 - bits);
            }
            hi[i] = sumHi;
            lo[i] = sumLo;
        }
        return Ring128Tensor.wrap(mine.shape(), hi, lo);
    }

    static long[] outside(Ring128Tensor a, long lowHi, long lowLo, long highHi, long highLo) {
        int n = a.size();
        long[] hi = a.hiWords();
        long[] lo = a.loWords();
        long[] bits = new long[(n + 63) >>> 6];
        for (int i = 0; i < n; i++) {
            if (less(hi[i], lo[i], lowHi, lowLo) || !less(hi[i], lo[i], highHi, highLo)) {
                bits[i >>> 6] |= 1L << (i & 63);
            }
        }
        return bits;
    }

    /** Whether the signed 128-bit {@code (aHi, aLo)} is below {@code (bHi, bLo)}. */
    private static boolean less(long aHi, long aLo, long bHi, long bLo) {
        return aHi < bHi || aHi == bHi && Long.compareUnsigned(aLo, bLo) < 0;
    }

    private static long lowMask(int bits) {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }

    /** Writes the low {@code bits} (1 to 64) of {@code value} at bit {@code at} of {@code stream}. */
    private static void put(long[] stream, long at, long value, int bits) {
        long v = value & lowMask(bits);
        int word = (int) (at >>> 6);
        int shift = (int) (at & 63);
        stream[word] |= v << shift;
        if (shift + bits > 64) {
            stream[word + 1] |= v >>> (64 - shift);
        }
    }

    /** The {@code bits} (1 to 64) bits at bit {@code at} of {@code stream}. */
    private static long get(long[] stream, long at, int bits) {
        int word = (int) (at >>> 6);
        int shift = (int) (at & 63);
        long v = stream[word] >>> shift;
        if (shift + bits > 64) {
            v |= stream[word + 1] << (64 - shift);
        }
        return v & lowMask(bits);
    }
}
