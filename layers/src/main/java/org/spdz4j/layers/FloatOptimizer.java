package org.spdz4j.layers;

/**
 * How a float model's trainable parameters move after a step: {@link Sgd} (with momentum and
 * weight decay; the same rule runs on shares) or {@link Adam} (plaintext training only, e.g. the
 * bottom of a split network at its data holder).
 *
 * <pre>{@code
 * FloatModel bottom = FloatModel.create(network, Shape.of(64, 1, 28, 28), WeightInit.HE.initializer(1), new Adam(1e-3));
 * }</pre>
 */
public sealed interface FloatOptimizer permits Sgd, Adam, Proximal {
    /**
     * Moves {@code p} against its gradient at the optimizer's learning rate times
     * {@code rateFactor} (1, or a {@link LearningRateSchedule}'s factor for this step).
     */
    void update(FloatParam p, double rateFactor);
}
