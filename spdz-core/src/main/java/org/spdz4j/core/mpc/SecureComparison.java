package org.spdz4j.core.mpc;

import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;

/**
 * The sign of a masked tensor, {@code [x >= 0]}, exact for {@code |x| < 2^(bits-1)}, with
 * correlated randomness from the dealer; and {@code relu(x) = x * [x >= 0]} from the same
 * material. The comparison reuses x's one opening {@code D = x - A}: the dealer knows A, so
 * it hands out XOR shares of A's low bits, and the parties add D and A in a carry-lookahead
 * circuit on shared bits (bit Beaver triples, one round per tree level), all elements bit-sliced
 * 64 to a word.
 *
 * <p>Why it works: with {@code m = bits - 1}, {@code x mod 2^bits = (D + A) mod 2^bits}, whose
 * top bit is {@code D_m xor A_m xor carry}, where carry is the carry out of the low m bits of
 * {@code D + A}. For {@code -2^m <= x < 2^m} that top bit is the sign of x. Outside that range
 * the result is the sign of x reduced to a signed {@code bits}-bit value.
 *
 * <p>The shared result bit {@code z} is converted to the ring with a random bit {@code beta}
 * the dealer shares both ways: the parties open {@code d = z xor beta}, and
 * {@code [z] = d + (1 - 2d) [beta]}; {@code [x z] = d [x] + (1 - 2d) (D [beta] + [A beta])}
 * with the dealer's {@code [A beta]}. Online per element: {@code 4 (m - 1) + 1} bits each way in
 * {@code ceil(log2 m) + 1} rounds; dealer to P1: {@code 2 x 16} bytes and {@code 3m - 1} bits
 * (the rest of both parties' material is expanded from their seeds).
 *
 * <p>Material of one comparison of n elements, {@code W = ceil(n / 64)} words per bit row:
 * <ul>
 *   <li>determined (P0: its PRG stream; P1: the dealer's correction): ring {@code [beta]} (n),
 *   ring {@code [A beta]} (n), then bit rows: A's bits {@code 0..m-1}, A's bit m, and the
 *   {@code T = 2 (m - 1)} triple products c;</li>
 *   <li>random (both from their PRG, stream {@code ~id}): bit rows beta, then the triples' a
 *   and b rows.</li>
 * </ul>
 * Bit words are stored two to a ring element, low word first.
 */
public final class SecureComparison {
    private SecureComparison() {
    }

    /** Bit-level ANDs of one comparison: two per combine of the m-leaf tree. */
    static int ands(int bits) {
        return 2 * (bits - 2);
    }

    static int words(int n) {
        return (n + 63) >>> 6;
    }

    private static int determinedRows(int bits) {
        return bits + ands(bits); // m low bits, the top bit, the c rows
    }

    private static int randomRows(int bits) {
        return 1 + 2 * ands(bits);
    }

    static Shape determinedShape(int n, int bits) {
        return Shape.of(2 * n + (determinedRows(bits) * words(n) + 1) / 2);
    }

    static Shape randomShape(int n, int bits) {
        return Shape.of(Math.max(1, (randomRows(bits) * words(n) + 1) / 2));
    }

    /** The bit words stored from ring element {@code base} on. */
    static long[] bitWords(Ring128Tensor t, int base, int count) {
        long[] w = new long[count];
        for (int j = 0; j < count; j++) {
            w[j] = (j & 1) == 0 ? t.lo(base + j / 2) : t.hi(base + j / 2);
        }
        return w;
    }

    /** Element e's bit in a bit-sliced row. */
    private static boolean bit(long[] row, int e) {
        return ((row[e >>> 6] >>> (e & 63)) & 1L) != 0;
    }

    /** Bit words packed into a ring tensor, two to an element. */
    static Ring128Tensor pack(long[] w) {
        int n = Math.max(1, (w.length + 1) / 2);
        long[] hi = new long[n];
        long[] lo = new long[n];
        for (int j = 0; j < w.length; j++) {
            if ((j & 1) == 0) {
                lo[j / 2] = w[j];
            } else {
                hi[j / 2] = w[j];
            }
        }
        return Ring128Tensor.wrap(Shape.of(n), hi, lo);
    }

    /** Row {@code bit} of the bits of {@code t}'s elements: element e at bit {@code e % 64} of word {@code e / 64}. */
    static long[] bitRow(Ring128Tensor t, int bit) {
        int n = t.size();
        long[] row = new long[words(n)];
        for (int e = 0; e < n; e++) {
            long word = bit < 64 ? t.lo(e) : t.hi(e);
            row[e >>> 6] |= ((word >>> (bit & 63)) & 1L) << (e & 63);
        }
        return row;
    }

    /**
     * At the dealer: P1's determined material for the comparison of the tensor masked with
     * {@code a}, given P0's determined material and both parties' random material (all three
     * expanded from the parties' seeds).
     */
    public static Ring128Tensor p1Determined(Ring128Tensor a, int bits, Ring128Tensor p0Determined, Ring128Tensor p0Random,
                                      Ring128Tensor p1Random) {
        int n = a.size();
        int w = words(n);
        int t = ands(bits);
        int m = bits - 1;
        long[] random = xor(bitWords(p0Random, 0, randomRows(bits) * w), bitWords(p1Random, 0, randomRows(bits) * w));
        long[] det = new long[determinedRows(bits) * w];
        for (int i = 0; i <= m; i++) {
            System.arraycopy(bitRow(a, i), 0, det, i * w, w);
        }
        for (int k = 0; k < t; k++) {
            for (int j = 0; j < w; j++) {
                det[(bits + k) * w + j] = random[(1 + k) * w + j] & random[(1 + t + k) * w + j];
            }
        }
        long[] hi = new long[2 * n];
        long[] lo = new long[2 * n];
        for (int e = 0; e < n; e++) {
            boolean beta = bit(random, e);
            lo[e] = beta ? 1 : 0;
            if (beta) {
                hi[n + e] = a.hi(e);
                lo[n + e] = a.lo(e);
            }
        }
        Ring128Tensor arithmetic = Ring128Tensor.wrap(Shape.of(2 * n), hi, lo)
                .sub(p0Determined.slice(0, Shape.of(2 * n)));
        long[] p1Bits = xor(det, bitWords(p0Determined, 2 * n, det.length));
        return Ring128Tensor.concat(java.util.List.of(arithmetic, pack(p1Bits))).reshape(p0Determined.shape());
    }

    /** At the dealer: the comparison's random bit beta, from both parties' random material. */
    public static long[] betaBits(Ring128Tensor p0Random, Ring128Tensor p1Random, int n) {
        return xor(bitWords(p0Random, 0, words(n)), bitWords(p1Random, 0, words(n)));
    }

    /** At the dealer: {@code m * beta} elementwise, beta given as bits. */
    public static Ring128Tensor timesBits(Ring128Tensor m, long[] beta) {
        int n = m.size();
        long[] hi = new long[n];
        long[] lo = new long[n];
        for (int e = 0; e < n; e++) {
            if (bit(beta, e)) {
                hi[e] = m.hi(e);
                lo[e] = m.lo(e);
            }
        }
        return Ring128Tensor.wrap(m.shape(), hi, lo);
    }

    /**
     * One party's share of {@code g z} for the comparison bit {@code z = d xor beta} (d opened
     * during the comparison), from g's opening {@code G = g - M}: {@code g beta = G [beta] +
     * [M beta]}, and {@code g z = g beta} where d = 0, {@code g - g beta} where d = 1. Local.
     */
    static Ring128Tensor timesBit(long[] d, Ring128Tensor beta, Ring128Tensor gOpened, Ring128Tensor gShare,
                                  Ring128Tensor mBeta) {
        Shape shape = gShare.shape();
        Ring128Tensor gBeta = gOpened.reshape(shape).mul(beta.reshape(shape)).add(mBeta.reshape(shape));
        return select(d, gBeta, gShare.sub(gBeta));
    }

    private static long[] xor(long[] x, long[] y) {
        long[] z = new long[x.length];
        for (int i = 0; i < x.length; i++) {
            z[i] = x[i] ^ y[i];
        }
        return z;
    }

    /** Opens XOR-shared bit words: each party sends its share and XORs in the other's. */
    interface BitOpener {
        long[] open(long[] myShares);
    }

    /**
     * A party's shares of a comparison's results.
     *
     * @param nonNegative {@code [x >= 0]}, 0 or 1 in the ring (an integer, not fixed point)
     * @param relu        {@code x [x >= 0]}, at x's scale
     */
    public record Result(Ring128Tensor nonNegative, Ring128Tensor relu) {
    }

    /** What a party keeps of a comparison for products by its bit: the opened d and its share of beta. */
    record Kept(long[] d, Ring128Tensor beta) {
    }

    /** A comparison's results and what is kept of it. */
    record Outcome(Result result, Kept kept) {
    }

    /**
     * One party's side of the comparison of x, given x's opening {@code d = x - A}, its share of
     * x, and its determined and random material.
     */
    static Outcome run(Role role, Ring128Tensor opened, Ring128Tensor xShare, int bits, Ring128Tensor determined,
                       Ring128Tensor random, BitOpener opener) {
        boolean partyZero = role.partyIndex() == 0; // P0 adds the public bits of the XOR sharing
        int n = opened.size();
        int w = words(n);
        int m = bits - 1;
        int t = ands(bits);
        long[] det = bitWords(determined, 2 * n, determinedRows(bits) * w);
        long[] rnd = bitWords(random, 0, randomRows(bits) * w);
        // leaves: generate g_i = D_i and A_i (public and shared: local), propagate p_i = D_i xor A_i (P0 adds D_i)
        long[][] g = new long[m][];
        long[][] p = new long[m][];
        for (int i = 0; i < m; i++) {
            long[] d = bitRow(opened, i);
            g[i] = new long[w];
            p[i] = new long[w];
            for (int j = 0; j < w; j++) {
                long a = det[i * w + j];
                g[i][j] = d[j] & a;
                p[i][j] = partyZero ? a ^ d[j] : a;
            }
        }
        int triple = 0;
        int count = m;
        while (count > 1) {
            int pairs = count / 2;
            long[] u = new long[2 * pairs * w];
            long[] v = new long[2 * pairs * w];
            for (int q = 0; q < pairs; q++) {
                long[] pHi = p[2 * q + 1];
                System.arraycopy(pHi, 0, u, (2 * q) * w, w);
                System.arraycopy(g[2 * q], 0, v, (2 * q) * w, w);
                System.arraycopy(pHi, 0, u, (2 * q + 1) * w, w);
                System.arraycopy(p[2 * q], 0, v, (2 * q + 1) * w, w);
            }
            long[] z = and(partyZero, u, v, rnd, det, triple, 2 * pairs, w, t, bits, opener);
            triple += 2 * pairs;
            int next = (count + 1) / 2;
            long[][] g2 = new long[next][];
            long[][] p2 = new long[next][];
            for (int q = 0; q < pairs; q++) {
                g2[q] = new long[w];
                p2[q] = new long[w];
                for (int j = 0; j < w; j++) {
                    g2[q][j] = g[2 * q + 1][j] ^ z[(2 * q) * w + j];
                    p2[q][j] = z[(2 * q + 1) * w + j];
                }
            }
            if (count % 2 == 1) {
                g2[next - 1] = g[count - 1];
                p2[next - 1] = p[count - 1];
            }
            g = g2;
            p = p2;
            count = next;
        }
        // top bit of x mod 2^bits = D_m xor A_m xor carry; non-negative = its complement (P0 flips)
        long[] dTop = bitRow(opened, m);
        long[] nonNegative = new long[w];
        for (int j = 0; j < w; j++) {
            long s = g[0][j] ^ det[m * w + j];
            nonNegative[j] = partyZero ? s ^ dTop[j] ^ -1L : s;
        }
        // to the ring with the dealer's random bit beta: open d = nonNegative xor beta
        long[] masked = new long[w];
        for (int j = 0; j < w; j++) {
            masked[j] = nonNegative[j] ^ rnd[j];
        }
        long[] d = opener.open(masked);
        Ring128Tensor beta = determined.slice(0, opened.shape());
        Ring128Tensor aBeta = determined.slice(n, opened.shape());
        Ring128Tensor oneMinusBeta = ComputeParty.addPublic(role, beta.negate(), Ring128Tensor.filled(opened.shape(), 1));
        Result result = new Result(select(d, beta, oneMinusBeta), timesBit(d, beta, opened, xShare, aBeta));
        return new Outcome(result, new Kept(d, beta));
    }

    /** Per element, {@code ifZero} where bit e of {@code d} is 0 and {@code ifOne} where it is 1. */
    private static Ring128Tensor select(long[] d, Ring128Tensor ifZero, Ring128Tensor ifOne) {
        int n = ifZero.size();
        long[] hi = new long[n];
        long[] lo = new long[n];
        for (int e = 0; e < n; e++) {
            Ring128Tensor pick = bit(d, e) ? ifOne : ifZero;
            hi[e] = pick.hi(e);
            lo[e] = pick.lo(e);
        }
        return Ring128Tensor.wrap(ifZero.shape(), hi, lo);
    }

    /** Bitwise ANDs of XOR-shared rows u and v with triples {@code first ..}: one round for all. */
    private static long[] and(boolean partyZero, long[] u, long[] v, long[] rnd, long[] det, int first, int rows, int w,
                              int t, int bits, BitOpener opener) {
        int len = rows * w;
        long[] mine = new long[2 * len];
        for (int i = 0; i < len; i++) {
            mine[i] = u[i] ^ rnd[(1 + first) * w + i];          // u xor a
            mine[len + i] = v[i] ^ rnd[(1 + t + first) * w + i]; // v xor b
        }
        long[] opened = opener.open(mine);
        long[] z = new long[len];
        for (int i = 0; i < len; i++) {
            long e = opened[i];
            long f = opened[len + i];
            long a = rnd[(1 + first) * w + i];
            long b = rnd[(1 + t + first) * w + i];
            long c = det[(bits + first) * w + i];
            z[i] = c ^ (e & b) ^ (f & a) ^ (partyZero ? e & f : 0);
        }
        return z;
    }
}
