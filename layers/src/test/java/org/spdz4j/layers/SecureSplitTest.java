package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.Contributor;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.layers.FloatModel.Step;
import org.spdz4j.triples.LocalComputation;

/**
 * Split learning in secure mode, in one JVM: a data holder trains the bottom in the clear and
 * shares its cut activations, a label holder shares its labels, P0 and P1 train the top on
 * shares and reveal the cut gradient to the holder alone. Both halves end where plain split
 * training ends, and the transports' counters show who saw what.
 */
class SecureSplitTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;
    private static final Network NET = Network.builder().addConv2d(1, 2, 3, 1, 1).addRelu().addMaxPool2d(2).addFlatten()
            .addSplit().addDense(32, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
    private static final Shape IN = Shape.of(4, 1, 8, 8);
    private static final Shape CUT = Shape.of(4, 32);
    private static final Shape LABELS = Shape.of(4, 10);
    private static final Role HOLDER = Role.parse("HOLDER0");
    private static final Role LABEL_HOLDER = Role.parse("LABELS");
    private static final int STEPS = 3;
    private static final Sgd SGD = new Sgd(0.1, 0.9, 0);

    private static Initializer init() {
        return new Initializer(11, 0.3);
    }

    @Test
    void holdersAndTopOnSharesEndWhereThePlainSplitEndsAndSeeOnlyTheirOwn() {
        SplittableRandom r = new SplittableRandom(8);
        List<FloatTensor> images = new ArrayList<>();
        List<FloatTensor> labels = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            double[] x = new double[IN.size()];
            double[] y = new double[LABELS.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextGaussian();
            }
            for (int i = 0; i < 4; i++) {
                y[i * 10 + r.nextInt(10)] = 1;
            }
            images.add(new FloatTensor(IN, x));
            labels.add(new FloatTensor(LABELS, y));
        }
        // plain split: the reference
        Initializer reference = init();
        FloatModel plainBottom = FloatModel.create(NET.bottom(), IN, reference, SGD);
        FloatModel plainTop = FloatModel.create(NET.top(), CUT, reference, SGD);
        for (int s = 0; s < STEPS; s++) {
            Step step = plainTop.trainOn(plainBottom.forwardTraining(images.get(s)), labels.get(s));
            plainBottom.backwardAndUpdate(step.inputGradient());
        }

        AtomicReference<List<double[]>> holderBottom = new AtomicReference<>();
        AtomicReference<TrafficCounter> holderTraffic = new AtomicReference<>();
        AtomicReference<TrafficCounter> labelTraffic = new AtomicReference<>();
        LocalComputation.Outsider holder = t -> {
            Initializer own = init();
            FloatModel bottom = FloatModel.create(NET.bottom(), IN, own, SGD);
            Contributor c = Contributor.connect(t);
            for (int s = 0; s < STEPS; s++) {
                c.input(s, 0, FP.encode(CUT, bottom.forwardTraining(images.get(s)).values()));
                bottom.backwardAndUpdate(new FloatTensor(CUT, FP.decode(c.result(s, 0, CUT))));
            }
            holderBottom.set(bottom.paramValues());
            holderTraffic.set(t.traffic());
        };
        LocalComputation.Outsider labelHolder = t -> {
            Contributor c = Contributor.connect(t);
            for (int s = 0; s < STEPS; s++) {
                c.input(s, 0, FP.encode(LABELS, labels.get(s).values()));
            }
            labelTraffic.set(t.traffic());
        };
        List<SecureModel> tops = new ArrayList<>();
        for (Role role : new Role[]{Role.P0, Role.P1}) {
            Initializer i = init();
            FloatModel.create(NET.bottom(), IN, i, SGD); // the top's initial weights follow the bottom's in the seed's sequence
            tops.add(SecureModel.createTop(NET, CUT, new SecureSetup(role, Mode.OPTIMIZED, FP, i), SGD));
        }
        LocalComputation.Result<List<double[]>> run = LocalComputation.run(tops.get(0).plan(), STEPS, AesCtrPrg.freshSeed(),
                FP, Map.of(HOLDER, holder, LABEL_HOLDER, labelHolder), (party, randomness) -> {
                    SecureModel top = tops.get(party.role().partyIndex());
                    party.acceptContributor(HOLDER);
                    party.acceptContributor(LABEL_HOLDER);
                    for (int s = 0; s < STEPS; s++) {
                        party.beginStep(s, randomness.forStep(s));
                        Ring128Tensor a = party.contributedInput(HOLDER, CUT, 0);
                        Ring128Tensor y = party.contributedInput(LABEL_HOLDER, LABELS, 0);
                        top.trainStep(party, a, y);
                        party.revealToContributor(HOLDER, top.cutGradient(), 0);
                    }
                    return top.revealTo(party, Role.P0); // the model owner's
                });

        assertClose(plainBottom.paramValues(), holderBottom.get(), "bottom at the holder");
        assertClose(plainTop.paramValues(), run.p0(), "top revealed to P0");
        // who sees what, from the transports' counters
        long cutValues = (long) STEPS * CUT.size();
        int seed = AesCtrPrg.freshSeed().length;
        assertEquals(seed, run.p0Traffic().total(HOLDER, Direction.RECEIVED).bytes(), "P0 gets the holder's seed only");
        assertEquals(seed, run.p0Traffic().total(LABEL_HOLDER, Direction.RECEIVED).bytes(), "and the label holder's");
        assertEquals(cutValues, run.p1Traffic().total(HOLDER, Direction.RECEIVED).values(), "P1: x - PRG, uniformly random");
        assertEquals((long) STEPS * LABELS.size(), run.p1Traffic().total(LABEL_HOLDER, Direction.RECEIVED).values());
        for (Role p : new Role[]{Role.P0, Role.P1}) {
            assertEquals(cutValues, holderTraffic.get().total(p, Direction.RECEIVED).values(),
                    "the holder gets its own batches' cut gradients, one share from each party");
            assertEquals(0, labelTraffic.get().total(p, Direction.RECEIVED).bytes(), "the label holder gets nothing");
        }
        assertEquals(0, holderTraffic.get().total(LABEL_HOLDER, Direction.RECEIVED).bytes(), "no labels at the holder");
        assertEquals(0, labelTraffic.get().total(HOLDER, Direction.RECEIVED).bytes(), "no activations at the label holder");
    }

    private static void assertClose(List<double[]> expected, List<double[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int p = 0; p < expected.size(); p++) {
            for (int i = 0; i < expected.get(p).length; i++) {
                assertEquals(expected.get(p)[i], actual.get(p)[i], 1e-3, what + ", parameter " + p + " element " + i);
            }
        }
    }
}
