package org.spdz4j.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Param;
import org.spdz4j.layers.SecureModel;
import org.spdz4j.layers.SecureSetup;
import org.spdz4j.layers.SharedModel;
import org.spdz4j.triples.PartyRandomness;
import org.spdz4j.triples.Plan;

/**
 * One compute party's training loop, the same in one JVM and in separate processes: P0 shares
 * the images, P1 the one-hot labels, and at the end the model is revealed to P0 (the model
 * owner). Each party reads only its own half of the data.
 */
public final class TrainingParty {
    private TrainingParty() {
    }

    /**
     * @param model  the revealed parameters at P0, null at P1
     * @param logits this party's share of each step's logits (diagnostics of in-process tests)
     * @param nanos  wall time of the training steps
     * @param outOfRange at P0 with {@code --check-range}: the steps in which an activation left its comparison
     *                   range or polynomial interval (empty otherwise)
     * @param shared     with {@link TrainingConfig#keepShared()}: this party's share of the final model, never
     *                   revealed (then {@code model} is null at both parties); null otherwise
     */
    public record Outcome(List<double[]> model, List<Ring128Tensor> logits, List<String> scopes, long nanos,
                   List<Integer> outOfRange, SharedModel shared) {
    }

    /** P0's report of the range check over {@code steps} steps, the flagged ones given. */
    public static String rangeReport(List<Integer> outOfRange, int steps) {
        return String.format("range check: %d of %d steps had an activation outside its range%s", outOfRange.size(), steps,
                outOfRange.isEmpty() ? "" : " (first: step " + outOfRange.get(0) + ")");
    }

    /** The model of a run whose split into micro-batches is settled (not {@link TrainingConfig#AUTO_MICRO_BATCHES}). */
    static SecureModel model(TrainingConfig c, Role role) {
        if (c.microBatches() == TrainingConfig.AUTO_MICRO_BATCHES) {
            throw new IllegalStateException("--micro-batches auto is chosen when the parties have connected, not before");
        }
        return SecureModel.create(c.network(), batchShape(c), setup(c, role), c.sgd(), c.microBatches());
    }

    /** The plan of the run: the same for every split into micro-batches (the whole batch's), so the dealer needs none. */
    static Plan plan(TrainingConfig c) {
        return model(c.withMicroBatches(1), Role.P0).plan();
    }

    static SecureSetup setup(TrainingConfig c, Role role) {
        SecureSetup s = new SecureSetup(role, c.mode(), c.fixedPoint(), c.initializer());
        return c.rangeCheck() ? s.withRangeCheck() : s;
    }

    static Shape batchShape(TrainingConfig c) {
        return c.network().batchShape(c.batchSize());
    }

    /**
     * Where and how often a party saves its state.
     *
     * @param dir   checkpoint directory (this party's own; it keeps its two newest saves)
     * @param every save after every this many steps (and after the last)
     */
    public record Checkpointing(Path dir, int every) {
    }

    /** Told after each step, with the loss value this party was deliberately shown (NaN if none). */
    public interface StepListener {
        void afterStep(int step, double revealedLoss);
    }

    /** Trains from step 0, without checkpoints. */
    public static Outcome run(ComputeParty party, PartyRandomness randomness, TrainingConfig c, Dataset data, int[][] batches,
                       boolean keepLogits, StepListener afterStep) {
        try {
            return run(party, randomness, c, data, batches, 0, null, keepLogits, afterStep);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Trains steps {@code firstStep .. batches.length-1}. With {@code firstStep > 0} the party's
     * state comes from its checkpoint, which must be at exactly that step.
     */
    public static Outcome run(ComputeParty party, PartyRandomness randomness, TrainingConfig c, Dataset data, int[][] batches,
                       int firstStep, Checkpointing ck, boolean keepLogits, StepListener afterStep) throws IOException {
        Role me = party.role();
        c = MicroBatchChoice.settle(party.transport(), c);
        SecureModel model = model(c, me);
        byte[] planHash = model.plan().hash();
        if (firstStep > 0) {
            Checkpoint.read(ck.dir(), me, firstStep, planHash, model.params());
        }
        Shape xShape = batchShape(c);
        Shape yShape = Shape.of(c.batchSize(), c.network().outputs());
        FixedPoint fp = c.fixedPoint();
        List<Ring128Tensor> logits = new ArrayList<>();
        List<Integer> outOfRange = new ArrayList<>();
        long start = System.nanoTime();
        for (int step = firstStep; step < batches.length; step++) {
            party.beginStep(step, randomness.forStep(step));
            Ring128Tensor x = me.equals(Role.P0) ? fp.encode(xShape, data.images(batches[step]).values()) : null;
            Ring128Tensor y = me.equals(Role.P1) ? fp.encode(yShape, data.oneHot(batches[step]).values()) : null;
            Ring128Tensor xs = party.shareInput(Role.P0, x, xShape, 0);
            Ring128Tensor ys = party.shareInput(Role.P1, y, yShape, 1);
            model.learningRateFactor(c.schedule().factor(step, batches.length));
            Ring128Tensor z = model.trainStep(party, xs, ys);
            if (keepLogits) {
                logits.add(z);
            }
            if (model.rangeExceeded()) { // P0's one bit of this step
                outOfRange.add(step);
                System.err.printf("%s: step %d: an activation left its comparison range or polynomial interval "
                        + "(the run may be diverging)%n", me, step);
            }
            if (ck != null && ((step + 1) % ck.every() == 0 || step + 1 == batches.length)) {
                Checkpoint.write(ck.dir(), me, step + 1, planHash, model.params());
            }
            afterStep.afterStep(step, model.revealedLoss());
        }
        long nanos = System.nanoTime() - start;
        if (firstStep == batches.length) { // a finished run resumed: no step to train, the model is revealed again
            party.beginStep(firstStep, entry -> {
                throw new IllegalStateException("the run is finished: no correlated randomness is used after its last step");
            });
        }
        if (c.keepShared()) {
            return new Outcome(null, logits, model.layerScopes(), nanos, outOfRange, keep(party, c, data.scaling(), model));
        }
        return new Outcome(model.revealTo(party, Role.P0), logits, model.layerScopes(), nanos, outOfRange, null);
    }

    /**
     * This party's share of the final model, with the public header both halves carry: P0 draws
     * the model's id and tells P1 it and the input scaling (two numbers about P0's data, which
     * the clients of {@code spdz serve} also need to prepare their inputs).
     */
    private static SharedModel keep(ComputeParty party, TrainingConfig c, InputScaling scaling, SecureModel model) {
        Tag tag = new Tag(Tag.Kind.HANDSHAKE, 4, 0);
        byte[] header;
        if (party.role().equals(Role.P0)) {
            header = ByteBuffer.allocate(SharedModel.ID_BYTES + 16).put(SharedModel.freshId())
                    .putDouble(scaling.mean()).putDouble(scaling.sd()).array();
            party.transport().sendBytes(Role.P1, tag, header);
        } else {
            header = party.transport().receiveBytes(Role.P0, tag);
            if (header.length != SharedModel.ID_BYTES + 16) {
                throw new ProtocolException("P0 sent a model header of " + header.length + " bytes, not "
                        + (SharedModel.ID_BYTES + 16));
            }
        }
        ByteBuffer b = ByteBuffer.wrap(header);
        byte[] id = new byte[SharedModel.ID_BYTES];
        b.get(id);
        InputScaling s = new InputScaling(b.getDouble(), b.getDouble());
        List<Ring128Tensor> shares = new ArrayList<>();
        for (Param p : model.params()) {
            shares.add(p.value().reshape(Shape.of(p.shape().size())));
        }
        return new SharedModel(party.role(), id, c.network(), s, c.fixedPoint(), shares);
    }
}
