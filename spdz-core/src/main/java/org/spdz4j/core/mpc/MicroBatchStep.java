package org.spdz4j.core.mpc;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.spdz4j.core.ring.Ring128Tensor;

/**
 * What the micro-batches of one step share at a party (see {@link MicroBatch}): the whole
 * batch's shares they take their parts of, each fetched once and dropped when every micro-batch
 * has taken its part; the tensors they open with a mask they share, which must be one; and the
 * parts of products summed over the batch. The lanes run one at a time, handing over under a
 * lock, so plain maps serve.
 */
final class MicroBatchStep {
    private final Map<Integer, Ring128Tensor> wholeShares = new HashMap<>();
    private final Map<Integer, Integer> parts = new HashMap<>(); // parts taken of a cached whole share
    private final Map<Integer, Ring128Tensor> sharedMasked = new HashMap<>();
    private final Set<Integer> sharedSent = new HashSet<>(); // shared masks whose opening the first micro-batch sent
    private final Map<Integer, Ring128Tensor> sharedOpened = new HashMap<>(); // and their openings, once received
    private final Map<Integer, Ring128Tensor> sums = new HashMap<>();
    private final Map<Integer, Set<Integer>> summedBy = new HashMap<>();

    /** Forgets the last step's. */
    void clear() {
        wholeShares.clear();
        parts.clear();
        sharedMasked.clear();
        sharedSent.clear();
        sharedOpened.clear();
        sums.clear();
        summedBy.clear();
    }

    /** Micro-batch {@code mb}'s share of its {@code entry}: its part of the whole batch's, fetched from {@code randomness} once. */
    Ring128Tensor share(MicroBatch mb, PlanEntry entry, CorrelatedRandomness randomness) {
        PlanEntry whole = mb.whole(entry);
        Ring128Tensor all = wholeShares.get(whole.id());
        if (all == null) {
            all = randomness.share(whole);
            wholeShares.put(whole.id(), all);
        }
        if (parts.merge(whole.id(), 1, Integer::sum) == mb.count()) {
            wholeShares.remove(whole.id());
            parts.remove(whole.id());
        }
        return mb.share(entry, all);
    }

    /**
     * Refuses a micro-batch masking with a mask the micro-batches share (a weight's) a tensor
     * other than the one the first masked with it: the two openings would reveal the difference.
     */
    void requireSameShared(MicroBatch mb, PlanEntry.Mask mask, Ring128Tensor share) {
        if (mb == null || mb.part(mask) != MicroBatch.Part.SHARED) {
            return;
        }
        Ring128Tensor first = sharedMasked.putIfAbsent(mask.id(), share);
        if (first != null && !first.equals(share)) {
            throw new IllegalArgumentException("mask entry " + mask.id() + " (" + mask.shape() + ") is one the micro-batches "
                    + "share, so each must mask the same tensor with it (their copy of the weights), but micro-batch "
                    + mb.index() + " masks another: that would reveal the difference");
        }
    }

    /**
     * Whether micro-batch {@code mb} (null: none) sends its share of the tensor it opens with
     * {@code mask}: yes, unless the mask is one the micro-batches share (their copy of the
     * weights, the same tensor for all: {@link #requireSameShared}) and an earlier micro-batch
     * sent it in this step; the others take that opening ({@link #openedShared}), so the weights
     * travel once a step however many micro-batches there are.
     */
    boolean sendShared(MicroBatch mb, PlanEntry.Mask mask) {
        return mb == null || mb.part(mask) != MicroBatch.Part.SHARED || sharedSent.add(mask.id());
    }

    /** Keeps {@code opened}, the opening with a shared {@code mask} that {@code mb} sent, for the others; returns it. */
    Ring128Tensor keepShared(MicroBatch mb, PlanEntry.Mask mask, Ring128Tensor opened) {
        if (mb != null && mb.part(mask) == MicroBatch.Part.SHARED) {
            sharedOpened.put(mask.id(), opened);
        }
        return opened;
    }

    /** The opening with the shared {@code mask} in this step, or null until the micro-batch that sent it has it. */
    Ring128Tensor openedShared(PlanEntry.Mask mask) {
        return sharedOpened.get(mask.id());
    }

    /**
     * Adds micro-batch {@code mb}'s untruncated part of the summed {@code product}; returns the
     * sum of all the parts once the last has come, else null. A micro-batch adds its part once.
     */
    Ring128Tensor add(MicroBatch mb, PlanEntry.Product product, Ring128Tensor part) {
        if (!summedBy.computeIfAbsent(product.id(), id -> new HashSet<>()).add(mb.index())) {
            throw new IllegalStateException("product entry " + product.id() + " was already multiplied by micro-batch "
                    + mb.index() + " in this step");
        }
        Ring128Tensor sum = sums.merge(product.id(), part, Ring128Tensor::add);
        if (summedBy.get(product.id()).size() < mb.count()) {
            return null;
        }
        sums.remove(product.id());
        return sum;
    }
}
