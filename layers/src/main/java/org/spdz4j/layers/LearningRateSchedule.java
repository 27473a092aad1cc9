package org.spdz4j.layers;

import java.util.Locale;

/**
 * How the learning rate changes over a run of {@code steps} steps: the optimizer's rate times
 * {@link #factor}. {@code CONSTANT} keeps it; {@code LINEAR} falls in a straight line to
 * {@code 1/steps} of it at the last step; {@code COSINE} follows half a cosine (Loshchilov and
 * Hutter 2017, without restarts) to near zero. The factor depends only on public step counts, so
 * on shares it is a public scalar like the rate itself, and both parties and the float twin apply
 * the same one.
 *
 * <pre>{@code
 * for (int s = 0; s < steps; s++) {
 *     model.learningRateFactor(LearningRateSchedule.COSINE.factor(s, steps));
 *     model.trainStep(images(s), labels(s));
 * }
 * }</pre>
 */
public enum LearningRateSchedule {
    CONSTANT, LINEAR, COSINE;

    /** The factor at step {@code step} (0-based) of {@code steps}: 1 at step 0, above 0 at the last. */
    public double factor(long step, long steps) {
        if (steps <= 0 || step < 0 || step >= steps) {
            throw new IllegalArgumentException("learning-rate schedule: step " + step + " of " + steps);
        }
        return switch (this) {
            case CONSTANT -> 1;
            case LINEAR -> (double) (steps - step) / steps;
            case COSINE -> 0.5 * (1 + Math.cos(Math.PI * step / steps));
        };
    }

    /** {@code factor} if a model may scale its rate by it (positive and finite), else an error naming it. */
    static double checkedFactor(double factor) {
        if (!(factor > 0 && Double.isFinite(factor))) {
            throw new IllegalArgumentException("a learning-rate factor must be positive and finite, got " + factor);
        }
        return factor;
    }

    /** {@code constant}, {@code linear} or {@code cosine}, as the command line takes it. */
    public static LearningRateSchedule parse(String s) {
        for (LearningRateSchedule v : values()) {
            if (v.toString().equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("learning-rate schedule '" + s + "': constant, linear or cosine");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
