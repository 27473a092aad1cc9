package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.LocalComputation;

/**
 * A split network's top trained on shares: the gradient at the cut (what the data holder gets
 * back) and the updated top equal the float top's, step after step.
 */
class SecureTopTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;
    private static final Network NET = Network.builder().addFlatten().addSplit()
            .addDense(16, 8).addRelu().addDense(8, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
    private static final Shape CUT = Shape.of(4, 16);
    private static final int STEPS = 3;

    @Test
    void cutGradientAndUpdatedTopMatchTheFloatTop() {
        Sgd sgd = new Sgd(0.1, 0.9, 0);
        SplittableRandom r = new SplittableRandom(5);
        List<double[]> activations = new ArrayList<>();
        List<double[]> labels = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            double[] a = new double[CUT.size()];
            double[] y = new double[40];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextGaussian();
            }
            for (int i = 0; i < 4; i++) {
                y[i * 10 + r.nextInt(10)] = 1;
            }
            activations.add(a);
            labels.add(y);
        }
        FloatModel top = FloatModel.create(NET.top(), CUT, new Initializer(9, 0.3), sgd);
        List<double[]> floatGradients = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            floatGradients.add(top.trainOn(new FloatTensor(CUT, activations.get(s)),
                    new FloatTensor(Shape.of(4, 10), labels.get(s))).inputGradient().values());
        }
        List<SecureModel> models = new ArrayList<>();
        for (Role role : new Role[]{Role.P0, Role.P1}) {
            models.add(SecureModel.createTop(NET, CUT, new SecureSetup(role, Mode.OPTIMIZED, FP, new Initializer(9, 0.3)), sgd));
        }
        LocalComputation.Result<List<double[]>> run = LocalComputation.run(models.get(0).plan(), STEPS, AesCtrPrg.freshSeed(),
                FP, (party, randomness) -> {
                    SecureModel m = models.get(party.role().partyIndex());
                    List<double[]> opened = new ArrayList<>();
                    for (int s = 0; s < STEPS; s++) {
                        party.beginStep(s, randomness.forStep(s));
                        Ring128Tensor a = party.shareInput(Role.P0, FP.encode(CUT, activations.get(s)), CUT, 0);
                        Ring128Tensor y = party.shareInput(Role.P1, FP.encode(Shape.of(4, 10), labels.get(s)),
                                Shape.of(4, 10), 1);
                        m.trainStep(party, a, y);
                        opened.add(FP.decode(party.open(m.cutGradient())));
                    }
                    List<double[]> params = m.revealTo(party, Role.P0); // the model owner's, after the last update
                    if (params != null) {
                        opened.addAll(params);
                    }
                    return opened;
                });
        for (int s = 0; s < STEPS; s++) {
            double[] got = run.p0().get(s);
            for (int i = 0; i < got.length; i++) {
                assertEquals(floatGradients.get(s)[i], got[i], 1e-3, "step " + s + ", cut gradient " + i);
            }
        }
        List<double[]> floatParams = top.paramValues();
        for (int p = 0; p < floatParams.size(); p++) {
            double[] got = run.p0().get(STEPS + p);
            for (int i = 0; i < got.length; i++) {
                assertEquals(floatParams.get(p)[i], got[i], 1e-3, "parameter " + p + " element " + i);
            }
        }
        assertEquals(STEPS, run.p1().size(), "P1 saw its openings of the cut gradient, no parameter");
        assertThrows(IllegalStateException.class, () -> SecureModel.create(NET.top(), CUT,
                new SecureSetup(Role.P0, Mode.OPTIMIZED, FP, new Initializer(9, 0.3)), sgd).cutGradient());
    }
}
