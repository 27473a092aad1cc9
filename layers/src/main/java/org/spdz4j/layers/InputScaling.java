package org.spdz4j.layers;

/**
 * How raw inputs in [0, 1] (pixels / 255) become network inputs: {@code (v - mean) / sd}. The
 * input owner chooses it from its own training data ({@code mean} and {@code sd} of its pixels)
 * or takes a fixed one; the model file records it, so prediction scales as training did.
 *
 * <pre>{@code
 * InputScaling s = InputScaling.fromMoments(n, sum, sumOfSquares);   // the owner's data: mean 0, sd 1
 * double x = s.apply(pixel / 255.0);
 * }</pre>
 *
 * @param mean subtracted from every input
 * @param sd   divides every centred input; positive
 */
public record InputScaling(double mean, double sd) {
    /** The documented fixed scaling: inputs as they are, in [0, 1]. */
    public static final InputScaling UNIT = new InputScaling(0, 1);

    public InputScaling {
        if (!Double.isFinite(mean) || !Double.isFinite(sd) || sd <= 0) {
            throw new IllegalArgumentException("input scaling needs a finite mean and a positive standard deviation, got mean "
                    + mean + ", sd " + sd);
        }
    }

    /**
     * The scaling to mean 0 and standard deviation 1 of {@code n} values whose sum and sum of
     * squares are given; refuses constant data (nothing to learn from, and a division by zero).
     */
    public static InputScaling fromMoments(long n, double sum, double sumOfSquares) {
        if (n <= 0) {
            throw new IllegalArgumentException("no inputs to fit a scaling to");
        }
        double mean = sum / n;
        double sd = Math.sqrt(Math.max(0, sumOfSquares / n - mean * mean));
        if (!(sd > 1e-6)) {
            throw new IllegalArgumentException("the " + n + " inputs are constant (" + mean
                    + "): no scaling can be fitted to them");
        }
        return new InputScaling(mean, sd);
    }

    /** {@code unit} (p/255 as it is) or {@code MEAN,SD} as {@link #toString} writes it; anything else is refused. */
    public static InputScaling parse(String text) {
        if (text.equals("unit")) {
            return UNIT;
        }
        String[] ms = text.split(",");
        try {
            if (ms.length == 2) {
                return new InputScaling(Double.parseDouble(ms[0].trim()), Double.parseDouble(ms[1].trim()));
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("pixel scaling '" + text + "': unit or MEAN,SD");
    }

    /** The network input for raw value {@code v}. */
    public double apply(double v) {
        return (v - mean) / sd;
    }

    /** As the command line takes it: {@code MEAN,SD}. */
    @Override
    public String toString() {
        return mean + "," + sd;
    }
}
