package org.spdz4j.core.mpc;

import java.util.List;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * How micro-batch {@code index} of {@code count} uses the whole batch's plan, so that the
 * micro-batches together compute the whole batch's step bit for bit. A micro-batch's program
 * declares the same entries in the same order as the whole batch's, for its rows; each of its
 * entries is then one of three parts of the whole batch's entry at the same position:
 * <ul>
 *   <li>its rows ({@code ROWS}): a batch-major entry (an activation's mask, a per-sample
 *   product, a comparison); the micro-batch takes the whole entry's share of its rows (for a
 *   comparison, of its elements' bits), so its shares are the whole batch's, row for row;</li>
 *   <li>the whole of it ({@code SHARED}): a weight's mask, with which the first micro-batch
 *   opens the weights and the others take that opening (a micro-batch masking another tensor
 *   with it is refused);</li>
 *   <li>a sum over its rows ({@code SUMMED}): a weight gradient's product, whose micro-batches'
 *   parts are added untruncated and completed once with the dealer's product (see
 *   {@link ComputeParty#multiply}).</li>
 * </ul>
 * The parties run it with {@link ComputeParty#inLanes(List, List)}; the dealer serves the whole
 * batch's plan, unchanged.
 *
 * <pre>{@code
 * MicroBatch rows0 = MicroBatch.of(wholePlan.entries(), lanePlan.entries(), 0, 2);
 * MicroBatch rows1 = MicroBatch.of(wholePlan.entries(), lanePlan.entries(), 1, 2);
 * party.inLanes(List.of(() -> lane0.step(party, x0), () -> lane1.step(party, x1)), List.of(rows0, rows1));
 * }</pre>
 */
public final class MicroBatch {
    /** What a micro-batch's entry is of the whole batch's. */
    enum Part { ROWS, SHARED, SUMMED }

    private final int index;
    private final int count;
    private final List<PlanEntry> whole;
    private final List<PlanEntry> mine;
    private final Part[] parts;
    private final int[] axis; // of a ROWS entry: the axis its micro-batches divide (the first, or a tournament's second)

    private MicroBatch(int index, int count, List<PlanEntry> whole, List<PlanEntry> mine) {
        this.index = index;
        this.count = count;
        this.whole = List.copyOf(whole);
        this.mine = List.copyOf(mine);
        this.parts = new Part[mine.size()];
        this.axis = new int[mine.size()];
        for (int id = 0; id < mine.size(); id++) {
            parts[id] = partOf(this.whole.get(id), this.mine.get(id));
        }
    }

    /**
     * Micro-batch {@code index} of {@code count}, whose program declared {@code mine} where the
     * whole batch's declared the same number of its first entries ({@code whole}'s later ones
     * are the whole batch's alone, run after the micro-batches, such as the range check's
     * verdict); refuses entries that do not correspond (another kind, op or width, or a shape
     * that is neither the whole's nor its rows).
     */
    public static MicroBatch of(List<PlanEntry> whole, List<PlanEntry> mine, int index, int count) {
        if (count < 2 || index < 0 || index >= count) {
            throw new IllegalArgumentException("micro-batch " + index + " of " + count);
        }
        if (whole.size() < mine.size()) {
            throw new IllegalArgumentException("a micro-batch's program declares " + mine.size()
                    + " plan entries but the whole batch's declares " + whole.size());
        }
        return new MicroBatch(index, count, whole.subList(0, mine.size()), mine);
    }

    /**
     * The whole batch's tensor opened with the mask each micro-batch of {@code split} opened its
     * rows of ({@code parts.get(k)} micro-batch k's, under its entry at the same position): the
     * rows put back in their places, under the whole batch's mask, for a check of the whole
     * batch run after the micro-batches (nothing is opened again).
     */
    public static MaskedTensor join(List<MicroBatch> split, List<MaskedTensor> parts) {
        if (split.size() != parts.size() || split.isEmpty()) {
            throw new IllegalArgumentException(parts.size() + " parts for " + split.size() + " micro-batches");
        }
        PlanEntry whole = split.get(0).whole(parts.get(0).mask());
        int size = whole.shape().size();
        long[][] words = new long[6][size]; // share, mask share, opening: hi and lo each
        for (int k = 0; k < split.size(); k++) {
            MicroBatch mb = split.get(k);
            PlanEntry.Mask mask = parts.get(k).mask();
            if (mb.index() != k || mb.part(mask) != Part.ROWS || !mb.whole(mask).equals(whole)) {
                throw new IllegalArgumentException("part " + k + " is not micro-batch " + k + "'s rows of mask entry "
                        + whole.id());
            }
            Runs runs = mb.runs(mask);
            int run = runs.length();
            Ring128Tensor[] tensors = {parts.get(k).share(), parts.get(k).maskShare(), parts.get(k).opened()};
            for (int t = 0; t < 3; t++) {
                long[] hi = tensors[t].hiWords();
                long[] lo = tensors[t].loWords();
                for (int r = 0; r < runs.starts().length; r++) {
                    System.arraycopy(hi, r * run, words[2 * t], runs.starts()[r], run);
                    System.arraycopy(lo, r * run, words[2 * t + 1], runs.starts()[r], run);
                }
            }
        }
        return new MaskedTensor(Ring128Tensor.wrap(whole.shape(), words[0], words[1]),
                Ring128Tensor.wrap(whole.shape(), words[2], words[3]), Ring128Tensor.wrap(whole.shape(), words[4], words[5]),
                (PlanEntry.Mask) whole);
    }

    /** Which micro-batch this is. */
    int index() {
        return index;
    }

    /** How many micro-batches the batch is split into. */
    int count() {
        return count;
    }

    private Part partOf(PlanEntry w, PlanEntry m) {
        if (w.getClass() != m.getClass() || w.id() != m.id()) {
            throw mismatch(w, m, "another kind of entry");
        }
        axis[w.id()] = rowAxis(w.shape(), m.shape());
        boolean rows = axis[w.id()] >= 0;
        if (!rows && !w.shape().equals(m.shape())) {
            throw mismatch(w, m, "a shape that is neither the whole batch's nor its rows");
        }
        if (m instanceof PlanEntry.Mask mask && mask.rangeBits() != ((PlanEntry.Mask) w).rangeBits()) {
            throw mismatch(w, m, "a mask of another range");
        }
        if (m instanceof PlanEntry.Product product) {
            PlanEntry.Product wp = (PlanEntry.Product) w;
            if (!opKind(wp).equals(opKind(product)) || wp.truncation() != product.truncation()) {
                throw mismatch(w, m, "another op or truncation");
            }
            boolean rowOperand = parts[product.left().mask().id()] == Part.ROWS
                    || parts[product.right().mask().id()] == Part.ROWS;
            return rows ? Part.ROWS : rowOperand ? Part.SUMMED : Part.SHARED;
        }
        if (m instanceof PlanEntry.Sign sign && w instanceof PlanEntry.Sign wholeSign
                && (sign.bits() != wholeSign.bits() || sign.relu() != wholeSign.relu())) {
            throw mismatch(w, m, "a comparison of another width or kind");
        }
        if (m instanceof PlanEntry.SignMonomials) {
            throw mismatch(w, m, "products of comparison bits (prediction's; not split into micro-batches)");
        }
        if (!rows && (m instanceof PlanEntry.Sign || m instanceof PlanEntry.SignProduct)) {
            throw mismatch(w, m, "a comparison of other elements (a micro-batch compares its rows)");
        }
        return rows ? Part.ROWS : Part.SHARED; // a mask or a power, a comparison or a sign product of rows
    }

    /** A product's op without its geometry (a convolution's names its input's batch). */
    private static String opKind(PlanEntry.Product p) {
        String name = p.op().name();
        int paren = name.indexOf('(');
        return paren < 0 ? name : name.substring(0, paren);
    }

    /**
     * The axis along which {@code part} is this micro-batch's share of {@code whole} (that axis
     * divided by the count, the others equal), or -1. Batch-major tensors divide the first; a
     * max pool's tournament lays out candidates by pairs, each pair's block batch-major, so its
     * tensors (pairs, outputs) divide the second.
     */
    private int rowAxis(Shape whole, Shape part) {
        if (whole.rank() != part.rank()) {
            return -1;
        }
        int found = -1;
        for (int a = 0; a < whole.rank(); a++) {
            if (whole.dim(a) == part.dim(a) * count && found < 0) {
                found = a;
            } else if (whole.dim(a) != part.dim(a)) {
                return -1;
            }
        }
        return found;
    }

    /** This micro-batch's runs of a ROWS entry's elements in the whole entry's. */
    private Runs runs(PlanEntry entry) {
        Shape whole = whole(entry).shape();
        int a = axis[entry.id()];
        int outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= whole.dim(i);
        }
        int block = whole.size() / outer;
        int run = block / count;
        int[] starts = new int[outer];
        for (int o = 0; o < outer; o++) {
            starts[o] = o * block + index * run;
        }
        return new Runs(starts, run);
    }

    /** Where a micro-batch's runs of a whole entry's elements start, and how long each is. */
    private record Runs(int[] starts, int length) {
    }

    private IllegalArgumentException mismatch(PlanEntry w, PlanEntry m, String what) {
        return new IllegalArgumentException("micro-batch " + index + " of " + count + " declares " + m.describe()
                + " where the whole batch declares " + w.describe() + ": " + what
                + "; it cannot compute the whole batch's step");
    }

    /** The whole batch's entry at the position of this micro-batch's {@code entry} (which must be one of its own). */
    PlanEntry whole(PlanEntry entry) {
        int id = entry.id();
        if (id < 0 || id >= mine.size() || !mine.get(id).equals(entry)) {
            throw new IllegalArgumentException("plan entry " + entry.describe() + " is not one of micro-batch " + index
                    + "'s entries");
        }
        return whole.get(id);
    }

    /** What {@code entry} (one of this micro-batch's) is of the whole batch's entry. */
    Part part(PlanEntry entry) {
        whole(entry);
        return parts[entry.id()];
    }

    /** This micro-batch's share of {@code entry} (not a {@code SUMMED} one), given the whole entry's share. */
    Ring128Tensor share(PlanEntry entry, Ring128Tensor wholeShare) {
        Part part = part(entry);
        if (part == Part.SHARED) {
            return wholeShare;
        }
        if (part == Part.SUMMED) {
            throw new IllegalStateException("product entry " + entry.id() + " is summed over the micro-batches; it has no "
                    + "share of its own");
        }
        Runs runs = runs(entry);
        int run = runs.length();
        int[] starts = runs.starts();
        if (entry instanceof PlanEntry.Sign sign) {
            return SecureComparison.elements(wholeShare, whole(entry).shape().size(), sign.bits(), sign.relu(), starts, run);
        }
        if (starts.length == 1) {
            return wholeShare.slice(starts[0], entry.shape());
        }
        List<Ring128Tensor> pieces = new java.util.ArrayList<>();
        for (int start : starts) {
            pieces.add(wholeShare.slice(start, Shape.of(run)));
        }
        return Ring128Tensor.concat(pieces).reshape(entry.shape());
    }
}
