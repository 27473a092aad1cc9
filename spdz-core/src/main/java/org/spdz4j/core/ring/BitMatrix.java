package org.spdz4j.core.ring;

/**
 * Bit-sliced rows and the elements they hold: the 64 x 64 bit transpose that turns 64 words of
 * one element each into one word per bit of 64 elements, and back.
 *
 * <pre>{@code
 * long[] block = new long[64];      // word i: element i's bits
 * BitMatrix.transpose64(block);     // word b: bit b of elements 0..63, element i at bit i
 * }</pre>
 */
public final class BitMatrix {
    private BitMatrix() {
    }

    /** Transposes a 64 x 64 bit matrix in place: bit j of word i goes to bit i of word j. */
    public static void transpose64(long[] a) {
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
