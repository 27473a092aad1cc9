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
 * circuit on shared bits (one round per tree level), all elements bit-sliced 64 to a word.
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
 * ({@link #groups}). Each level of the tree above combines up to {@value #RADIX} nodes in one
 * round ({@link Combine}): every operand is opened once under a random bit, and the dealer
 * shares the products of those bits that the combine's monomials need, the same idea as the
 * leaves one level up.
 *
 * <p>The shared result bit {@code z} is converted to the ring with a random bit {@code beta}:
 * the parties open {@code d = z xor beta}, and {@code [z] = d + (1 - 2d) [beta]};
 * {@code [x z] = d [x] + (1 - 2d) (D [beta] + [A beta])} with the dealer's {@code [A beta]}.
 * beta's additive shares are narrow: the party whose material is its PRG's holds {@code r} below
 * {@code 2^41}, the other {@code beta - r} from the dealer, 42 bits where a ring value took 128
 * (beta hides to {@code 2^-41} in it, as a narrow mask hides a tensor; see
 * {@link NarrowOpening}).
 *
 * <p>At k = 40: 16 leaves, 2 levels of combines of four ({@link #tree}); online per element
 * {@link #onlineBits} = 34 bits each way in {@code levels(bits) + 1} = 3 rounds after x's
 * opening; to the party the dealer corrects, 16 bytes ({@code [A beta]}) and 215 bits (42 for
 * beta's share, m + 1 = 40 of A, 37 products of A's bits, 96 products of the combines' masks),
 * 42.9 bytes. A tree of pairs with two ANDs a combine took 53 bits each way, 5 rounds and 44.9
 * bytes from the dealer ({@code [beta]} a ring value).
 *
 * <p>Material of one comparison of n elements, {@code W = ceil(n / 64)} words per bit row:
 * <ul>
 *   <li>determined (one party: its PRG stream, narrowed by {@link #generatedShare}; the other:
 *   the dealer's correction): ring {@code [A beta]} (n; none for the sign alone, where
 *   {@code PlanEntry.Sign.relu()} is false), then bit rows: beta's share ({@link #BETA_ROWS},
 *   a signed integer, not XOR-shared), A's bits {@code 0..m-1}, A's bit m, each group's
 *   products of two of its bits or more (group by group, each by the increasing bit mask of the
 *   set), and each combine's products of its operands' masks (combine by combine, level by
 *   level, by {@link Combine#productSets});</li>
 *   <li>random (both from their PRG, stream {@code ~id}): bit rows beta, then each combine's
 *   operands' masks.</li>
 * </ul>
 * Bit words are stored two to a ring element, low word first.
 */
public final class SecureComparison {
    /** Nodes a combine of the carry tree takes at most: a level of the tree is one round. */
    static final int RADIX = 4;
    /** Bits of beta's share at the party whose material is its PRG's: beta hides to 2^-41 in the other's. */
    static final int BETA_SHARE_BITS = NarrowOpening.STATISTICAL_BITS + 1;
    /** Bit rows of beta's share: signed, for the other party's {@code beta - r} of {@code -2^41 < .. <= 1}. */
    static final int BETA_ROWS = BETA_SHARE_BITS + 1;

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
        int fewer = pairs <= 1 ? 0 : 1 << (2 * (levelsOver(pairs) - 1)); // the most leaves of a tree one level lower
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

    /** The rounds of the carry tree of a comparison at this width: one a level, {@code ceil(log4(leaves))}. */
    static int levels(int bits) {
        return levelsOver(groups(bits).length);
    }

    /** Levels of combines of up to {@value #RADIX} nodes that take {@code nodes} nodes to one. */
    private static int levelsOver(int nodes) {
        int levels = 0;
        for (int count = nodes; count > 1; count = (count + RADIX - 1) / RADIX) {
            levels++;
        }
        return levels;
    }

    /**
     * The products of A's bits the dealer shares for a group of {@code size} bits: every set of
     * two of its bits or more, as a bit mask over the group, in increasing order (the order of
     * their rows in the material). The same sets of a monomial's factors order the products of
     * {@link PlanEntry.SignMonomials}' material.
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

    /**
     * The combines of the carry tree, level by level from the leaves: each level takes its nodes
     * (low first) {@value #RADIX} at a time, the last take fewer; a single node passes up.
     */
    static List<List<Combine>> tree(int bits) {
        List<List<Combine>> levels = new ArrayList<>();
        for (int count = groups(bits).length; count > 1; count = (count + RADIX - 1) / RADIX) {
            List<Combine> level = new ArrayList<>();
            for (int first = 0; first < count; first += RADIX) {
                level.add(new Combine(Math.min(RADIX, count - first), first == 0));
            }
            levels.add(level);
        }
        return levels;
    }

    /** Bits each party sends for one element of a comparison after x's opening: the combines' operands, then the result's. */
    static int onlineBits(int bits) {
        return variables(bits) + 1;
    }

    /** The combines' operands over the whole tree: one random row and one opened bit each. */
    static int variables(int bits) {
        return tree(bits).stream().flatMap(List::stream).mapToInt(Combine::variables).sum();
    }

    /** The dealer's products of two or more operand masks over the whole tree: one determined row each. */
    static int maskProducts(int bits) {
        return tree(bits).stream().flatMap(List::stream).mapToInt(c -> c.productSets().length).sum();
    }

    /**
     * A combine of {@code nodes} adjacent (generate, propagate) pairs {@code (g_i, p_i)}, lowest
     * first, into the generate and propagate of their span, in one round:
     * {@code G = g_top xor p_top g_(top-1) xor p_top p_(top-1) g_(top-2) ...} (the terms exclude
     * each other: a node that propagates generates nothing) and {@code P = p_0 ... p_top}, which
     * the lowest combine of a level leaves out (nothing above asks for it). Its operands (all but
     * {@code g_top}, which enters G linearly; {@code p_0} only for P) are each opened once under a
     * random bit a, and every monomial is evaluated from the openings and the dealer's shares of
     * the products of the a's it needs, as the leaves are from D and A's bits.
     *
     * <p>Operand index v: {@code p_1 .. p_(nodes-1)} at {@code 0 .. nodes-2}, {@code g_0 ..
     * g_(nodes-2)} at {@code nodes-1 .. 2 nodes - 3}, {@code p_0} last where P is made.
     */
    record Combine(int nodes, boolean lowest) {
        /** Its operands: the propagates of all nodes but the lowest, the generates of all but the top, p_0 for P. */
        int variables() {
            return nodes == 1 ? 0 : 2 * (nodes - 1) + (lowest ? 0 : 1);
        }

        int p(int i) {
            return i == 0 ? 2 * (nodes - 1) : i - 1;
        }

        int g(int i) {
            return nodes - 1 + i;
        }

        /** The monomials of G below {@code g_top}, term i being {@code g_i p_(i+1) ... p_top}, as sets of operands. */
        int[] generateTerms() {
            int[] terms = new int[nodes - 1];
            for (int i = 0; i < nodes - 1; i++) {
                int set = 1 << g(i);
                for (int l = i + 1; l < nodes; l++) {
                    set |= 1 << p(l);
                }
                terms[i] = set;
            }
            return terms;
        }

        /** P's monomial, {@code p_0 ... p_top}, as a set of operands (0 for the lowest combine: not made). */
        int propagateTerm() {
            if (lowest || nodes == 1) {
                return 0;
            }
            int set = 0;
            for (int l = 0; l < nodes; l++) {
                set |= 1 << p(l);
            }
            return set;
        }

        /** The sets of two operands or more within some monomial, in increasing order: the dealer's products. */
        int[] productSets() {
            int[] terms = generateTerms();
            int top = propagateTerm();
            return java.util.stream.IntStream.range(1, 1 << variables()).filter(set -> Integer.bitCount(set) > 1)
                    .filter(set -> (set & top) == set && top != 0 || java.util.Arrays.stream(terms).anyMatch(t -> (set & t) == set))
                    .toArray();
        }
    }

    static int words(int n) {
        return (n + 63) >>> 6;
    }

    private static int determinedRows(int bits) {
        // beta's narrow share, A's m low bits and top bit, the groups' products, the combines' products of masks
        return BETA_ROWS + bits + products(groups(bits)) + maskProducts(bits);
    }

    private static int randomRows(int bits) {
        return 1 + variables(bits);
    }

    /** The ring elements before the bit rows: {@code [A beta]}, none for a comparison for the sign alone. */
    static int ringValues(int n, boolean relu) {
        return relu ? n : 0;
    }

    /**
     * A party's share of a comparison's determined material from its PRG's {@code output}, where
     * the dealer corrects the other party: beta's share cut to its low {@link #BETA_SHARE_BITS}
     * bits (row {@code BETA_ROWS - 1}, its sign, cleared), the rest as it is.
     */
    static Ring128Tensor generatedShare(Ring128Tensor output, int n, boolean relu) {
        long w = words(n);
        long base = 2L * ringValues(n, relu); // the bit rows' first word
        return output.clearWords(base + (BETA_ROWS - 1) * w, base + BETA_ROWS * w); // where the output is
    }

    static Shape determinedShape(int n, int bits, boolean relu) {
        return Shape.of(ringValues(n, relu) + (determinedRows(bits) * words(n) + 1) / 2);
    }

    static Shape randomShape(int n, int bits) {
        return Shape.of(Math.max(1, (randomRows(bits) * words(n) + 1) / 2));
    }

    /**
     * {@code count} bit words from word {@code firstWord} on, word {@code 2i} of a tensor the low
     * word of element i and {@code 2i + 1} its high word. Of a tensor on a device, only the
     * elements that hold them are copied to the host.
     */
    static long[] bitWords(Ring128Tensor t, long firstWord, int count) {
        long[] w = new long[count];
        if (count == 0) {
            return w;
        }
        int first = (int) (firstWord >>> 1);
        int end = (int) ((firstWord + count - 1) >>> 1) + 1;
        Ring128Tensor part = t.isOnHost() || (first == 0 && end == t.size()) ? t : t.slice(first, Shape.of(end - first));
        long at = part == t ? firstWord : firstWord - 2L * first;
        for (int j = 0; j < count; j++) {
            long k = at + j;
            w[j] = (k & 1) == 0 ? part.lo((int) (k >>> 1)) : part.hi((int) (k >>> 1));
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
        long[] det = bitRuns(bitWords(material, 2L * ringValues(n, relu), determinedRows(bits) * w), determinedRows(bits), w,
                starts, run);
        long[] rnd = bitRuns(bitWords(material, 2L * determinedShape(n, bits, relu).size(), randomRows(bits) * w), randomRows(bits),
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
     * At the dealer: one party's determined material for the comparison of the tensor masked
     * with {@code a}, given the other party's determined material and both parties' random
     * material (all three expanded from the parties' seeds; the other's determined material as
     * {@link #generatedShare} narrows it). The ring part ({@code [A beta]}, none without
     * {@code relu}) and beta's rows are the value minus the other's share, the other bit rows the
     * value xor the other's: so either party may be the one that receives it.
     */
    public static Ring128Tensor correction(Ring128Tensor a, int bits, boolean relu, Ring128Tensor otherDetermined,
                                           Ring128Tensor p0Random, Ring128Tensor p1Random) {
        int n = a.size();
        int w = words(n);
        long[] random = xor(bitWords(p0Random, 0, randomRows(bits) * w), bitWords(p1Random, 0, randomRows(bits) * w));
        int ringValues = ringValues(n, relu);
        long[] other = bitWords(otherDetermined, 2L * ringValues, determinedRows(bits) * w);
        long[] det = new long[determinedRows(bits) * w];
        // beta's share: beta minus the other's (below 2^41), as a signed BETA_ROWS-bit integer; not an XOR share
        Ring128Tensor otherBeta = pack(other).fromBitRows(0, BETA_ROWS, n); // from the words read above
        long[] betaMinus = new long[n];
        for (int e = 0; e < n; e++) {
            betaMinus[e] = (bit(random, e) ? 1 : 0) - otherBeta.lo(e);
        }
        System.arraycopy(Ring128Tensor.wrap(Shape.of(n), new long[n], betaMinus).bitRows(BETA_ROWS), 0, det, 0, BETA_ROWS * w);
        int row = BETA_ROWS;
        System.arraycopy(a.bitRows(bits), 0, det, row * w, bits * w); // A's bits 0..m
        int aBits = row;
        row += bits;
        int first = 0; // the group's lowest bit
        for (int size : groups(bits)) { // each group's products of two bits or more, by the set's bit mask
            for (int set : productSets(size)) {
                for (int j = 0; j < w; j++) {
                    det[row * w + j] = productOfBits(det, w, j, aBits + first, set);
                }
                row++;
            }
            first += size;
        }
        int variable = 1; // the combines' masks: random rows from 1 on
        for (List<Combine> level : tree(bits)) {
            for (Combine c : level) {
                for (int set : c.productSets()) {
                    for (int j = 0; j < w; j++) {
                        det[row * w + j] = productOfBits(random, w, j, variable, set);
                    }
                    row++;
                }
                variable += c.variables();
            }
        }
        for (int k = BETA_ROWS * w; k < det.length; k++) { // the rest are XOR shares
            det[k] ^= other[k];
        }
        // [A beta], beta being the random part's first row, made where A lies; the correction is sent from the host
        Ring128Tensor arithmetic = relu
                ? timesBits(a, java.util.Arrays.copyOf(random, w)).reshape(Shape.of(ringValues)).sub(otherDetermined.slice(0, Shape.of(ringValues)))
                : Ring128Tensor.zeros(Shape.of(0));
        return Ring128Tensor.concat(java.util.List.of(arithmetic.hostOnly(), pack(det))).reshape(otherDetermined.shape());
    }

    /** At the dealer: the comparison's random bit beta, from both parties' random material. */
    public static long[] betaBits(Ring128Tensor p0Random, Ring128Tensor p1Random, int n) {
        return xor(bitWords(p0Random, 0, words(n)), bitWords(p1Random, 0, words(n)));
    }

    /** At the dealer: {@code m * beta} elementwise, beta given as bits (the first words of {@code beta}); where m lies. */
    public static Ring128Tensor timesBits(Ring128Tensor m, long[] beta) {
        return Ring128Tensor.select(beta, Ring128Tensor.zeros(m.shape()), m);
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

    /**
     * The material of a product of {@code factors} comparison bits over n elements: the shares of
     * {@code beta_S} for each set of {@link #productSets} and each element (set-major), held as
     * beta's own are (BETA_ROWS signed bit rows over all of them: below 2^42 at the party whose
     * material is its PRG's, the rest from the dealer), 43 bits a value where a ring value took 128.
     */
    static Shape monomialShape(int n, int factors) {
        return Shape.of(Math.toIntExact(((long) BETA_ROWS * words(productSets(factors).length * n) + 1) / 2));
    }

    /** The share of the party that generates its monomial material: the sign row cleared (see {@link #monomialShape}). */
    static Ring128Tensor monomialGeneratedShare(Ring128Tensor output, int n, int factors) {
        long w = words(productSets(factors).length * n);
        return output.clearWords((BETA_ROWS - 1) * w, BETA_ROWS * w);
    }

    /**
     * At the dealer: the corrected party's material for the products of the comparison's random
     * bits {@code beta} (its bit words) over each set of {@link #productSets} of {@code factors}
     * (elements, or {@code ~element}: the same beta), given the other party's generated share:
     * each product minus the other's share, as BETA_ROWS signed bit rows.
     */
    public static Ring128Tensor monomialCorrection(long[] beta, int[][] factors, Ring128Tensor otherShare) {
        int n = factors[0].length;
        int[] sets = productSets(factors.length);
        Ring128Tensor other = otherShare.fromBitRows(0, BETA_ROWS, sets.length * n);
        long[] minus = new long[sets.length * n];
        for (int s = 0; s < sets.length; s++) {
            for (int e = 0; e < n; e++) {
                boolean all = true;
                for (int f = 0; f < factors.length && all; f++) {
                    all = (sets[s] & (1 << f)) == 0 || bit(beta, element(factors[f][e]));
                }
                minus[s * n + e] = (all ? 1 : 0) - other.lo(s * n + e);
            }
        }
        long[] rows = Ring128Tensor.wrap(Shape.of(minus.length), new long[minus.length], minus).bitRows(BETA_ROWS);
        return pack(rows).reshape(otherShare.shape());
    }

    private static int element(int factor) {
        return factor < 0 ? ~factor : factor;
    }

    /**
     * One party's share of {@code prod_f b_f} for each element, b_f the result bit of the
     * comparison at {@code factors[f][e]} (or its complement): each bit is {@code c + (1 - 2c)
     * beta}, c its public part (the opened d, flipped for a complement), so the product is
     * {@code sum_S (prod_(f not in S) c_f) (prod_(f in S) (1 - 2 c_f)) beta_S} with the empty
     * set's {@code beta_S = 1} (P0's), a single factor's from the comparison's {@code [beta]}
     * and the rest from {@code products}, this party's material ({@link #monomialShape}). Local.
     */
    static Ring128Tensor monomials(Role role, long[] d, Ring128Tensor beta, int[][] factors, Ring128Tensor products) {
        int n = factors[0].length;
        int count = factors.length;
        Shape shape = Shape.of(n);
        boolean[][] c = new boolean[count][n];
        Ring128Tensor[] single = new Ring128Tensor[count];
        for (int f = 0; f < count; f++) {
            int[] at = new int[n];
            for (int e = 0; e < n; e++) {
                at[e] = element(factors[f][e]);
                c[f][e] = bit(d, at[e]) ^ (factors[f][e] < 0);
            }
            single[f] = beta.reshape(Shape.of(beta.size())).map(shape, at, null);
        }
        int[] sets = productSets(count);
        Ring128Tensor sum = ComputeParty.addPublic(role, Ring128Tensor.zeros(shape), coefficients(c, 0, shape));
        for (int f = 0; f < count; f++) {
            sum = sum.add(coefficients(c, 1 << f, shape).mul(single[f]));
        }
        Ring128Tensor all = products.fromBitRows(0, BETA_ROWS, sets.length * n);
        for (int s = 0; s < sets.length; s++) {
            sum = sum.add(coefficients(c, sets[s], shape).mul(all.slice(s * n, shape)));
        }
        return sum;
    }

    /** Each element's public coefficient of {@code beta_set}: 0, 1 or -1. */
    private static Ring128Tensor coefficients(boolean[][] c, int set, Shape shape) {
        long[] k = new long[shape.size()];
        for (int e = 0; e < k.length; e++) {
            long v = 1;
            for (int f = 0; f < c.length && v != 0; f++) {
                boolean inSet = (set & (1 << f)) != 0;
                v = inSet ? (c[f][e] ? -v : v) : (c[f][e] ? v : 0);
            }
            k[e] = v;
        }
        return Ring128Tensor.ofLongs(shape, k);
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
        long betaRow = 2L * ringValues(n, relu); // the first bit row's first word
        Ring128Tensor beta = determined.fromBitRows(betaRow, BETA_ROWS, n).reshape(opened.shape()); // where it lies
        long[] det = bitWords(determined, betaRow + (long) BETA_ROWS * w, (determinedRows(bits) - BETA_ROWS) * w); // A's bits on: XOR shares
        long[] rnd = bitWords(random, 0, randomRows(bits) * w);
        long[] dBits = opened.bitRows(bits); // D's bits 0..m, public: only these copied from a device
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
        Ring128Tensor oneMinusBeta = ComputeParty.addPublic(role, beta.negate(), Ring128Tensor.filled(opened.shape(), 1));
        Ring128Tensor reluShare = relu ? timesBit(d, beta, opened, xShare, determined.slice(0, opened.shape())) : null;
        Result result = new Result(Ring128Tensor.select(d, beta, oneMinusBeta), reluShare);
        return new Outcome(result, new Kept(d, beta));
    }

    /**
     * Shares of the carry out of the low {@code m = bits - 1} bits of {@code D + A}: the
     * generate bit of the whole range, from the leaves ({@link #groups}, local with the dealer's
     * products of A's bits) up the {@link #tree} of combines, one round per level.
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
        int variable = 1; // the first combine's masks among the random rows (after beta)
        for (List<Combine> level : tree(bits)) {
            int operands = level.stream().mapToInt(Combine::variables).sum();
            long[] mine = new long[operands * w];
            int at = 0;
            int node = 0;
            for (Combine c : level) {
                for (int v = 0; v < c.variables(); v++) {
                    long[] x = operand(c, v, g, p, node);
                    for (int j = 0; j < w; j++) {
                        mine[(at + v) * w + j] = x[j] ^ rnd[(variable + at + v) * w + j];
                    }
                }
                at += c.variables();
                node += c.nodes();
            }
            long[] e = opener.open(mine);
            long[][] g2 = new long[level.size()][];
            long[][] p2 = new long[level.size()][];
            at = 0;
            node = 0;
            for (int q = 0; q < level.size(); q++) {
                Combine c = level.get(q);
                int top = node + c.nodes() - 1;
                if (c.nodes() == 1) {
                    g2[q] = g[top];
                    p2[q] = p[top];
                } else {
                    int[] sets = c.productSets();
                    int[] generate = c.generateTerms();
                    int propagate = c.propagateTerm();
                    Monomials terms = new Monomials(partyZero, e, at, rnd, variable + at, det, rowsOf(sets, productRow), w);
                    g2[q] = g[top].clone();
                    for (int term : generate) {
                        terms.addShare(term, g2[q]);
                    }
                    if (!c.lowest()) {
                        p2[q] = new long[w];
                        terms.addShare(propagate, p2[q]);
                    }
                    productRow += sets.length;
                }
                at += c.variables();
                node += c.nodes();
            }
            variable += operands;
            g = g2;
            p = p2;
        }
        return g[0];
    }

    /** Operand v of combine c over nodes {@code node ..} (see {@link Combine}). */
    private static long[] operand(Combine c, int v, long[][] g, long[][] p, int node) {
        if (v < c.nodes() - 1) {
            return p[node + v + 1];
        }
        return v < 2 * (c.nodes() - 1) ? g[node + v - (c.nodes() - 1)] : p[node];
    }

    /** The determined row of each of a combine's {@code sets} of operands (by the set's bit mask), its rows from {@code first} on. */
    private static int[] rowsOf(int[] sets, int first) {
        int[] row = new int[sets.length == 0 ? 0 : sets[sets.length - 1] + 1];
        for (int k = 0; k < sets.length; k++) {
            row[sets[k]] = first + k;
        }
        return row;
    }

    /**
     * A party's shares of products of a combine's operands, from their openings {@code e_v =
     * x_v xor a_v}: {@code prod (e_v xor a_v)} is the XOR over the subsets T of the set of
     * {@code prod_(v not in T) e_v} (public) times the share of {@code prod_(v in T) a_v}: 1 at
     * P0 for none, the party's random row for one, the dealer's row ({@code productRows[T]}) for
     * two or more.
     */
    private record Monomials(boolean partyZero, long[] e, int opened, long[] rnd, int variable, long[] det, int[] productRows,
                             int w) {
        /** XORs this party's share of the product of the operands in {@code set} into {@code out}, word by word. */
        void addShare(int set, long[] out) {
            for (int t = set; ; t = (t - 1) & set) { // every subset T of the set, the set itself first, the empty one last
                if (t != 0 || partyZero) {
                    int[] open = new int[Integer.bitCount(set & ~t)]; // the rows of the opened operands not in T
                    int k = 0;
                    for (int rest = set & ~t; rest != 0; rest &= rest - 1) {
                        open[k++] = (opened + Integer.numberOfTrailingZeros(rest)) * w;
                    }
                    long[] masks = t == 0 ? null : Integer.bitCount(t) == 1 ? rnd : det;
                    int from = t == 0 ? 0 : Integer.bitCount(t) == 1 ? (variable + Integer.numberOfTrailingZeros(t)) * w
                            : productRows[t] * w;
                    for (int j = 0; j < w; j++) {
                        long v = masks == null ? -1L : masks[from + j];
                        for (int row : open) {
                            v &= e[row + j];
                        }
                        out[j] ^= v;
                    }
                }
                if (t == 0) {
                    return;
                }
            }
        }
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

    /** Word j of the AND of A's bit rows {@code first + i} for each bit i of {@code set}. */
    private static long productOfBits(long[] det, int w, int j, int first, int set) {
        long product = -1L;
        for (int rest = set; rest != 0; rest &= rest - 1) {
            product &= det[(first + Integer.numberOfTrailingZeros(rest)) * w + j];
        }
        return product;
    }
}
