package org.spdz4j.core.mpc;

import java.util.ArrayList;
import java.util.List;
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
 * <p>The carry is the generate bit of the whole low m bits, built in a tree of (generate,
 * propagate) pairs. Its leaves cost nothing online: for a group of bits of public D and shared
 * A, the group's generate and propagate are polynomials in A's bits with public coefficients
 * (from D), linear once the dealer, who knows A, also shares the products of A's bits within
 * the group: for a pair {@code A0 A1}, with generate {@code D1 A1 xor D0 D1 A0 xor D0 (A0 A1)}
 * and propagate {@code D0 D1 xor D1 A0 xor D0 A1 xor (A0 A1)}; for a group of three, its four
 * products. The groups are pairs, and groups of three where they take the tree a level lower
 * ({@link #groups}). The tree above takes two ANDs per combine, one for the lowest group of
 * each level (its propagate is never needed).
 *
 * <p>The shared result bit {@code z} is converted to the ring with a random bit {@code beta}
 * the dealer shares both ways: the parties open {@code d = z xor beta}, and
 * {@code [z] = d + (1 - 2d) [beta]}; {@code [x z] = d [x] + (1 - 2d) (D [beta] + [A beta])}
 * with the dealer's {@code [A beta]}. Online per element: {@code 2 ands(bits) + 1} bits each
 * way (53 at k = 40) in {@code levels(bits) + 1} rounds (5 at k = 40, after x's opening); dealer to
 * the party it corrects: {@code 2 x 16} bytes and {@code m + 1 + products + ands(bits)} bits
 * (103 at k = 40: 39 + 1 + 37 + 26) (the rest of both parties' material is expanded from their
 * seeds). With pairs only, k = 40 took 67 bits each way, 6 rounds and 92 dealer bits.
 *
 * <p>Material of one comparison of n elements, {@code W = ceil(n / 64)} words per bit row:
 * <ul>
 *   <li>determined (one party: its PRG stream; the other: the dealer's correction): ring
 *   {@code [beta]} (n), ring {@code [A beta]} (n; none for the sign alone, where
 *   {@code PlanEntry.Sign.relu()} is false), then bit rows: A's bits {@code 0..m-1}, A's bit m,
 *   each group's products of two of its bits or more (group by group, each by the increasing bit
 *   mask of the set), and the {@code T = ands(bits)} triple products c;</li>
 *   <li>random (both from their PRG, stream {@code ~id}): bit rows beta, then the triples' a
 *   and b rows.</li>
 * </ul>
 * Bit words are stored two to a ring element, low word first.
 */
public final class SecureComparison {
    private SecureComparison() {
    }

    /**
     * The sizes of the carry tree's leaves, low bits first: groups of the m low bits whose
     * (generate, propagate) pair is local. Pairs, and a single top bit when m is odd; but where
     * some groups of three make the leaves a power of two that is half as many as the pairs'
     * would round up to, those: one tree level (one round) fewer for a few more dealer bits
     * (a group of three needs four products of A's bits, a pair one). At k = 40: 7 groups of
     * three and 9 pairs, 16 leaves and 4 levels, where 20 pairs took 5.
     */
    static int[] groups(int bits) {
        int m = bits - 1;
        int pairs = (m + 1) / 2;
        int fewer = pairs <= 1 ? 0 : Integer.highestOneBit(pairs - 1); // the leaves of a tree one level lower
        int triples = m - 2 * fewer;
        int[] sizes;
        if (fewer > 0 && triples <= fewer) {
            sizes = new int[fewer];
            for (int q = 0; q < fewer; q++) {
                sizes[q] = q < triples ? 3 : 2;
            }
        } else {
            sizes = new int[pairs];
            for (int q = 0; q < pairs; q++) {
                sizes[q] = 2 * q + 1 < m ? 2 : 1;
            }
        }
        return sizes;
    }

    /** The rounds of the carry tree of a comparison at this width: one a level, {@code ceil(log2(leaves))}. */
    static int levels(int bits) {
        return 32 - Integer.numberOfLeadingZeros(groups(bits).length - 1);
    }

    /**
     * The products of A's bits the dealer shares for a group of {@code size} bits: every set of
     * two of its bits or more, as a bit mask over the group, in increasing order (the order of
     * their rows in the material).
     */
    private static int[] productSets(int size) {
        return java.util.stream.IntStream.range(1, 1 << size).filter(set -> Integer.bitCount(set) > 1).toArray();
    }

    /** How many products of A's bits the dealer shares for a group of {@code size} bits ({@code 2^L - 1 - L}). */
    private static int products(int size) {
        return productSets(size).length;
    }

    /** Products of A's bits over all groups. */
    private static int products(int[] groups) {
        int r = 0;
        for (int size : groups) {
            r += products(size);
        }
        return r;
    }

    /** Bit-level ANDs of one comparison: two per combine of the tree over the leaves, one for each level's lowest group. */
    static int ands(int bits) {
        int ands = 0;
        for (int count = groups(bits).length; count > 1; count = (count + 1) / 2) {
            ands += 2 * (count / 2) - 1;
        }
        return ands;
    }

    /** Combines of the tree over the leaves: each opens its upper group's propagate once for its ANDs. */
    static int combines(int bits) {
        int combines = 0;
        for (int count = groups(bits).length; count > 1; count = (count + 1) / 2) {
            combines += count / 2;
        }
        return combines;
    }

    /** Bits each party sends for one element of a comparison after x's opening: the ANDs' operands, then the result's. */
    static int onlineBits(int bits) {
        return combines(bits) + ands(bits) + 1;
    }

    static int words(int n) {
        return (n + 63) >>> 6;
    }

    private static int determinedRows(int bits) {
        return bits + products(groups(bits)) + ands(bits); // m low bits, the top bit, the groups' products, the c rows
    }

    private static int randomRows(int bits) {
        return 1 + combines(bits) + ands(bits);
    }

    /** The ring elements before the bit rows: {@code [beta]}, then {@code [A beta]} unless the comparison is for the sign alone. */
    static int ringValues(int n, boolean relu) {
        return relu ? 2 * n : n;
    }

    static Shape determinedShape(int n, int bits, boolean relu) {
        return Shape.of(ringValues(n, relu) + (determinedRows(bits) * words(n) + 1) / 2);
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

    /**
     * The material (determined part, then random part, as {@link ComputeParty#compare} takes it)
     * of some elements of a comparison of {@code n}: the runs of {@code run} elements from each of
     * {@code starts}, one after another; exactly what a comparison of those elements alone uses
     * of it, element for element. The bits past the last element in a row's last word are zero,
     * not other elements' (which serve another comparison and must not be opened here).
     */
    static Ring128Tensor elements(Ring128Tensor material, int n, int bits, boolean relu, int[] starts, int run) {
        int count = starts.length * run;
        int w = words(n);
        List<Ring128Tensor> ring = new ArrayList<>();
        for (int part = 0; part * n < ringValues(n, relu); part++) { // [beta], then [A beta]
            for (int start : starts) {
                ring.add(material.slice(part * n + start, Shape.of(run)));
            }
        }
        long[] det = bitRuns(bitWords(material, ringValues(n, relu), determinedRows(bits) * w), determinedRows(bits), w,
                starts, run);
        long[] rnd = bitRuns(bitWords(material, determinedShape(n, bits, relu).size(), randomRows(bits) * w), randomRows(bits),
                w, starts, run);
        ring.add(pack(det));
        return Ring128Tensor.concat(List.of(Ring128Tensor.concat(ring).reshape(determinedShape(count, bits, relu)),
                pack(rnd).reshape(randomShape(count, bits))));
    }

    /**
     * The runs of {@code run} elements from each of {@code starts}, one after another, of each of
     * {@code rows} bit-sliced rows of {@code w} words.
     */
    private static long[] bitRuns(long[] all, int rows, int w, int[] starts, int run) {
        int out = words(starts.length * run);
        int runWords = words(run);
        long[] r = new long[rows * out];
        for (int i = 0; i < starts.length; i++) {
            long[] part = bitRange(all, rows, w, starts[i], run);
            for (int row = 0; row < rows; row++) {
                for (int j = 0; j < runWords; j++) {
                    long v = part[row * runWords + j];
                    int at = i * run + 64 * j;
                    int word = row * out + (at >>> 6);
                    int shift = at & 63;
                    r[word] |= v << shift;
                    if (shift != 0 && (at >>> 6) + 1 < out) {
                        r[word + 1] |= v >>> (64 - shift);
                    }
                }
            }
        }
        return r;
    }

    /** Elements {@code from .. from + count - 1} of each of {@code rows} bit-sliced rows of {@code w} words; the rest zero. */
    private static long[] bitRange(long[] all, int rows, int w, int from, int count) {
        int out = words(count);
        int base = from >>> 6;
        int shift = from & 63;
        long tail = (count & 63) == 0 ? -1L : (1L << (count & 63)) - 1;
        long[] r = new long[rows * out];
        for (int row = 0; row < rows; row++) {
            for (int j = 0; j < out; j++) {
                int at = row * w + base + j;
                long word = all[at] >>> shift;
                if (shift != 0 && base + j + 1 < w) {
                    word |= all[at + 1] << (64 - shift);
                }
                r[row * out + j] = j == out - 1 ? word & tail : word;
            }
        }
        return r;
    }

    /**
     * Rows {@code 0 .. rows-1} of the bits of {@code t}'s elements, bit-sliced: bit b of element
     * e at bit {@code e % 64} of word {@code b * W + e / 64} ({@code W = words(n)}). One pass over
     * the elements, 64 at a time, by a 64 x 64 bit transpose.
     */
    static long[] bitRows(Ring128Tensor t, int rows) {
        int n = t.size();
        int w = words(n);
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

    /**
     * At the dealer: one party's determined material for the comparison of the tensor masked
     * with {@code a}, given the other party's determined material and both parties' random
     * material (all three expanded from the parties' seeds). The ring part is the value minus
     * the other's share, the bit rows the value xor the other's: so either party may be the one
     * that receives it. Without {@code relu} the ring part is {@code [beta]} alone.
     */
    public static Ring128Tensor correction(Ring128Tensor a, int bits, boolean relu, Ring128Tensor otherDetermined,
                                           Ring128Tensor p0Random, Ring128Tensor p1Random) {
        int n = a.size();
        int w = words(n);
        long[] random = xor(bitWords(p0Random, 0, randomRows(bits) * w), bitWords(p1Random, 0, randomRows(bits) * w));
        long[] det = new long[determinedRows(bits) * w];
        System.arraycopy(bitRows(a, bits), 0, det, 0, bits * w); // A's bits 0..m
        int row = bits;
        int first = 0; // the group's lowest bit
        for (int size : groups(bits)) { // each group's products of two bits or more, by the set's bit mask
            for (int set : productSets(size)) {
                for (int j = 0; j < w; j++) {
                    det[row * w + j] = productOfBits(det, w, j, first, set);
                }
                row++;
            }
            first += size;
        }
        int u = combines(bits);
        int k = 0;
        for (int combine = 0, count = groups(bits).length; count > 1; combine += count / 2, count = (count + 1) / 2) {
            for (int r = 0; r < 2 * (count / 2) - 1; r++, k++) { // the level's ANDs, row r of combine combineOf(r)
                int aRow = 1 + combine + combineOf(r);
                for (int j = 0; j < w; j++) {
                    det[(row + k) * w + j] = random[aRow * w + j] & random[(1 + u + k) * w + j];
                }
            }
        }
        int ringValues = ringValues(n, relu);
        long[] hi = new long[ringValues];
        long[] lo = new long[ringValues];
        for (int e = 0; e < n; e++) {
            boolean beta = bit(random, e);
            lo[e] = beta ? 1 : 0;
            if (beta && relu) {
                hi[n + e] = a.hi(e);
                lo[n + e] = a.lo(e);
            }
        }
        Ring128Tensor arithmetic = Ring128Tensor.wrap(Shape.of(ringValues), hi, lo)
                .sub(otherDetermined.slice(0, Shape.of(ringValues)));
        long[] bitShare = xor(det, bitWords(otherDetermined, ringValues, det.length));
        return Ring128Tensor.concat(java.util.List.of(arithmetic, pack(bitShare))).reshape(otherDetermined.shape());
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
        return Ring128Tensor.select(d, gBeta, gShare.sub(gBeta));
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
     * @param relu        {@code x [x >= 0]}, at x's scale; null for a comparison planned for the sign alone
     */
    public record Result(Ring128Tensor nonNegative, Ring128Tensor relu) {
        /** {@code x [x >= 0]}; refused for a comparison planned for the sign alone ({@code Plan.Builder.signOnly}). */
        @Override
        public Ring128Tensor relu() {
            if (relu == null) {
                throw new IllegalStateException("this comparison was planned for its sign alone (signOnly): the dealer "
                        + "sent no material for relu(x); plan it with sign(mask, bits)");
            }
            return relu;
        }
    }

    /** What a party keeps of a comparison for products by its bit: the opened d and its share of beta. */
    record Kept(long[] d, Ring128Tensor beta) {
    }

    /** A comparison's results and what is kept of it. */
    record Outcome(Result result, Kept kept) {
    }

    /**
     * One party's side of the comparison of x, given x's opening {@code d = x - A}, its share of
     * x, and its determined and random material; {@code relu(x)} too where {@code relu}.
     */
    static Outcome run(Role role, Ring128Tensor opened, Ring128Tensor xShare, int bits, boolean relu,
                       Ring128Tensor determined, Ring128Tensor random, BitOpener opener) {
        boolean partyZero = role.partyIndex() == 0; // P0 adds the public bits of the XOR sharing
        int n = opened.size();
        int w = words(n);
        int m = bits - 1;
        long[] det = bitWords(determined, ringValues(n, relu), determinedRows(bits) * w);
        long[] rnd = bitWords(random, 0, randomRows(bits) * w);
        long[] dBits = bitRows(opened, bits); // D's bits 0..m, public
        long[] carry = carry(partyZero, dBits, w, bits, det, rnd, opener);
        // top bit of x mod 2^bits = D_m xor A_m xor carry; non-negative = its complement (P0 flips)
        long[] nonNegative = new long[w];
        for (int j = 0; j < w; j++) {
            long s = carry[j] ^ det[m * w + j];
            nonNegative[j] = partyZero ? s ^ dBits[m * w + j] ^ -1L : s;
        }
        // to the ring with the dealer's random bit beta: open d = nonNegative xor beta
        long[] masked = new long[w];
        for (int j = 0; j < w; j++) {
            masked[j] = nonNegative[j] ^ rnd[j];
        }
        long[] d = opener.open(masked);
        Ring128Tensor beta = determined.slice(0, opened.shape());
        Ring128Tensor oneMinusBeta = ComputeParty.addPublic(role, beta.negate(), Ring128Tensor.filled(opened.shape(), 1));
        Ring128Tensor reluShare = relu ? timesBit(d, beta, opened, xShare, determined.slice(n, opened.shape())) : null;
        Result result = new Result(Ring128Tensor.select(d, beta, oneMinusBeta), reluShare);
        return new Outcome(result, new Kept(d, beta));
    }

    /**
     * Shares of the carry out of the low {@code m = bits - 1} bits of {@code D + A}: the
     * generate bit of the whole range, from the leaves ({@link #groups}, local with the dealer's
     * products of A's bits) up a tree of combines, one round of ANDs per level.
     */
    private static long[] carry(boolean partyZero, long[] dBits, int w, int bits, long[] det, long[] rnd,
                                BitOpener opener) {
        int[] groups = groups(bits);
        int count = groups.length;
        long[][] g = new long[count][];
        long[][] p = new long[count][];
        int lo = 0;
        int productRow = bits;
        for (int q = 0; q < count; q++) {
            g[q] = new long[w];
            p[q] = new long[w];
            leaf(partyZero, dBits, det, w, lo, groups[q], productRow, g[q], p[q]);
            lo += groups[q];
            productRow += products(groups[q]);
        }
        Triples triples = new Triples(rnd, det, w, combines(bits), productRow);
        while (count > 1) {
            int combines = count / 2;
            int rows = 2 * combines - 1; // group 0 needs no propagate
            long[] u = new long[combines * w];
            long[] v = new long[rows * w];
            for (int q = 0; q < combines; q++) {
                System.arraycopy(p[2 * q + 1], 0, u, q * w, w); // the upper group's propagate, in both of q's ANDs
                System.arraycopy(g[2 * q], 0, v, row(q, 0) * w, w);
                if (q > 0) {
                    System.arraycopy(p[2 * q], 0, v, row(q, 1) * w, w);
                }
            }
            long[] z = triples.and(partyZero, u, v, combines, rows, opener);
            int next = (count + 1) / 2;
            long[][] g2 = new long[next][];
            long[][] p2 = new long[next][];
            for (int q = 0; q < combines; q++) {
                g2[q] = new long[w];
                for (int j = 0; j < w; j++) {
                    g2[q][j] = g[2 * q + 1][j] ^ z[row(q, 0) * w + j];
                }
                p2[q] = q == 0 ? null : java.util.Arrays.copyOfRange(z, row(q, 1) * w, row(q, 1) * w + w);
            }
            if (count % 2 == 1) {
                g2[next - 1] = g[count - 1];
                p2[next - 1] = p[count - 1];
            }
            g = g2;
            p = p2;
            count = next;
        }
        return g[0];
    }

    /**
     * Shares of the (generate, propagate) pair of the group of {@code size} bits from {@code lo}:
     * a ripple over its bits on polynomials in A's bits, whose coefficients are public words
     * (from D), one coefficient per set of A's bits ({@code carry[set]}, {@code propagate[set]};
     * set 0 the constant); then each set's coefficient times the party's share of that product of A's bits
     * (its bit row for one bit, the dealer's product from row {@code productRow} on for two or
     * more, 1 at P0 and 0 at P1 for none). No interaction: every product of A's bits is the dealer's.
     */
    private static void leaf(boolean partyZero, long[] dBits, long[] det, int w, int lo, int size, int productRow,
                             long[] g, long[] p) {
        int sets = 1 << size;
        int[] productSets = productSets(size);
        long[] carry = new long[sets];
        long[] propagate = new long[sets];
        long[] next = new long[sets];
        for (int j = 0; j < w; j++) {
            java.util.Arrays.fill(carry, 0L);
            java.util.Arrays.fill(propagate, 0L);
            propagate[0] = -1L;
            for (int i = 0; i < size; i++) {
                long d = dBits[(lo + i) * w + j];
                int a = 1 << i; // the set of A's bit i alone
                // carry' = d a xor (d xor a) carry; propagate' = (d xor a) propagate (no set holds bit i yet)
                times(d, a, carry, next);
                next[a] ^= d;
                System.arraycopy(next, 0, carry, 0, sets);
                times(d, a, propagate, next);
                System.arraycopy(next, 0, propagate, 0, sets);
            }
            g[j] = evaluate(partyZero, carry, productSets, det, w, j, lo, productRow);
            p[j] = evaluate(partyZero, propagate, productSets, det, w, j, lo, productRow);
        }
    }

    /** {@code out = (d xor a_i) * poly}, for {@code a = 1 << i} a bit no set of {@code poly} holds. */
    private static void times(long d, int a, long[] poly, long[] out) {
        for (int set = 0; set < poly.length; set++) {
            out[set] = (set & a) != 0 ? poly[set ^ a] : d & poly[set];
        }
    }

    /**
     * A party's share of a leaf polynomial: each set's public coefficient times its share of the
     * product of A's bits (the constant at P0; a single bit's row; the dealer's rows of
     * {@code productSets} from {@code productRow} on).
     */
    private static long evaluate(boolean partyZero, long[] poly, int[] productSets, long[] det, int w, int j, int lo,
                                 int productRow) {
        long share = partyZero ? poly[0] : 0;
        for (int i = 0; 1 << i < poly.length; i++) {
            share ^= poly[1 << i] & det[(lo + i) * w + j];
        }
        for (int k = 0; k < productSets.length; k++) {
            share ^= poly[productSets[k]] & det[(productRow + k) * w + j];
        }
        return share;
    }

    /** Row of combine q's AND in a level's batch: its generate (0) or propagate (1); group 0 has only the first. */
    private static int row(int q, int which) {
        return q == 0 ? 0 : 2 * q - 1 + which;
    }

    /** The combine of row r of a level's batch of ANDs: the inverse of {@link #row}. */
    private static int combineOf(int r) {
        return (r + 1) / 2;
    }

    /** Word j of the AND of A's bit rows {@code first + i} for each bit i of {@code set}. */
    private static long productOfBits(long[] det, int w, int j, int first, int set) {
        long product = -1L;
        for (int rest = set; rest != 0; rest &= rest - 1) {
            product &= det[(first + Integer.numberOfTrailingZeros(rest)) * w + j];
        }
        return product;
    }

    /**
     * A party's bit triples of one comparison, level by level: a combine's two ANDs share their
     * first operand (the upper group's propagate), so they share its mask a and its opening
     * ({@code (a, b, c = a b)} and {@code (a, b', c' = a b')}, as a Beaver triple may serve one
     * operand in several products). Random rows: beta, then one a per combine, one b per AND; the
     * determined rows hold one c per AND from row {@code cBase} on.
     */
    private static final class Triples {
        private final long[] rnd;
        private final long[] det;
        private final int w;
        private final int bBase;
        private final int cBase;
        private int combine; // the first of the next level's
        private int and;     // likewise

        Triples(long[] rnd, long[] det, int w, int combines, int cBase) {
            this.rnd = rnd;
            this.det = det;
            this.w = w;
            this.bBase = 1 + combines;
            this.cBase = cBase;
        }

        /**
         * One level's ANDs in one round: row r of v times row {@link #combineOf}(r) of u (a row per
         * combine); each party sends {@code u xor a} and {@code v xor b}.
         */
        long[] and(boolean partyZero, long[] u, long[] v, int combines, int rows, BitOpener opener) {
            int uLen = combines * w;
            int len = rows * w;
            long[] mine = new long[uLen + len];
            for (int i = 0; i < uLen; i++) {
                mine[i] = u[i] ^ rnd[(1 + combine) * w + i];
            }
            for (int i = 0; i < len; i++) {
                mine[uLen + i] = v[i] ^ rnd[(bBase + and) * w + i];
            }
            long[] opened = opener.open(mine);
            long[] z = new long[len];
            for (int r = 0; r < rows; r++) {
                int q = combineOf(r);
                for (int j = 0; j < w; j++) {
                    int i = r * w + j;
                    long e = opened[q * w + j];
                    long f = opened[uLen + i];
                    long a = rnd[(1 + combine + q) * w + j];
                    long b = rnd[(bBase + and) * w + i];
                    long c = det[(cBase + and) * w + i];
                    z[i] = c ^ (e & b) ^ (f & a) ^ (partyZero ? e & f : 0);
                }
            }
            combine += combines;
            and += rows;
            return z;
        }
    }
}
