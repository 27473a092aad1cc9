package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.LocalComputation;

/**
 * Trains a split network's top on shares and as floats over the same batches, and asserts that
 * the gradient at the cut of every step and the parameters after the last agree within 1e-3.
 */
final class TopTrainingCheck {
    private static final FixedPoint FP = FixedPoint.DEFAULT;

    private TopTrainingCheck() {
    }

    /** The secure run's openings: per step the cut gradient, then (P0 only) the revealed parameters. */
    static LocalComputation.Result<List<double[]>> trainBoth(Network net, Shape cut, Shape labelShape, List<double[]> inputs,
                                                             List<double[]> labels, java.util.function.Supplier<Initializer> init,
                                                             Sgd sgd) {
        int steps = inputs.size();
        FloatModel top = FloatModel.create(net.top(), cut, init.get(), sgd); // each draws the same weights afresh
        List<double[]> floatGradients = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            floatGradients.add(top.trainOn(new FloatTensor(cut, inputs.get(s)), new FloatTensor(labelShape, labels.get(s)))
                    .inputGradient().values());
        }
        List<SecureModel> models = new ArrayList<>();
        for (Role role : new Role[]{Role.P0, Role.P1}) {
            models.add(SecureModel.createTop(net, cut, new SecureSetup(role, Mode.OPTIMIZED, FP, init.get()), sgd));
        }
        LocalComputation.Result<List<double[]>> run = LocalComputation.run(models.get(0).plan(), steps,
                AesCtrPrg.freshSeed(), FP, (party, randomness) -> {
                    SecureModel m = models.get(party.role().partyIndex());
                    List<double[]> opened = new ArrayList<>();
                    for (int s = 0; s < steps; s++) {
                        party.beginStep(s, randomness.forStep(s));
                        Ring128Tensor a = party.shareInput(Role.P0, FP.encode(cut, inputs.get(s)), cut, 0);
                        Ring128Tensor y = party.shareInput(Role.P1, FP.encode(labelShape, labels.get(s)), labelShape, 1);
                        m.trainStep(party, a, y);
                        opened.add(FP.decode(party.open(m.cutGradient())));
                    }
                    List<double[]> params = m.revealTo(party, Role.P0); // the model owner's, after the last update
                    if (params != null) {
                        opened.addAll(params);
                    }
                    return opened;
                });
        for (int s = 0; s < steps; s++) {
            double[] got = run.p0().get(s);
            for (int i = 0; i < got.length; i++) {
                assertEquals(floatGradients.get(s)[i], got[i], 1e-3, "step " + s + ", cut gradient " + i);
            }
        }
        List<double[]> floatParams = top.paramValues();
        for (int p = 0; p < floatParams.size(); p++) {
            double[] got = run.p0().get(steps + p);
            for (int i = 0; i < got.length; i++) {
                assertEquals(floatParams.get(p)[i], got[i], 1e-3, "parameter " + p + " element " + i);
            }
        }
        return run;
    }

    /** The plan P0 builds for the same top (for checks on its entries). */
    static org.spdz4j.triples.Plan plan(Network net, Shape cut, Initializer init, Sgd sgd) {
        return SecureModel.createTop(net, cut, new SecureSetup(Role.P0, Mode.OPTIMIZED, FP, init), sgd).plan();
    }
}
