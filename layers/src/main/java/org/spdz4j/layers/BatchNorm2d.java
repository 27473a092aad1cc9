package org.spdz4j.layers;

import java.util.List;
import org.spdz4j.core.ring.Shape;

/**
 * Batch normalisation over the channels of (n, c, h, w) tensors (Ioffe and Szegedy 2015), for
 * plaintext training: in training each channel is normalised by its batch mean and variance and
 * the running statistics are updated (momentum 0.1); in inference the running statistics are
 * used. Parameters: scale {@code gamma} (starts at 1) and shift {@code beta} (0), trainable; the
 * running mean and variance are state, saved with the model. Not available on shares.
 *
 * <pre>{@code
 * Network net = Network.builder().addConv2d(1, 32, 3, 1, 1).addBatchNorm2d(32).addRelu()...;
 * }</pre>
 *
 * @param channels the number of channels c
 */
public record BatchNorm2d(int channels) implements Layer {
    /** Added to the variance before its square root, as PyTorch and ONNX default to. */
    public static final double EPSILON = 1e-5;
    static final double MOMENTUM = 0.1;

    /** Checks the channel count. */
    public BatchNorm2d {
        if (channels <= 0) {
            throw new IllegalArgumentException("batch norm needs a positive channel count, got " + channels);
        }
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 4 || input.dim(1) != channels) {
            throw new IllegalArgumentException(describe() + " expects (n, " + channels + ", h, w), got " + input);
        }
        return input;
    }

    @Override
    public String describe() {
        return "batchnorm2d(" + channels + ")";
    }

    @Override
    public SecureLayer secure(Shape input, SecureSetup setup) {
        throw PlaintextOnly.refused(this);
    }

    @Override
    public FloatLayer twin(Shape input, Initializer init) {
        outputShape(input);
        double[] ones = new double[channels];
        double[] runningVar = new double[channels];
        java.util.Arrays.fill(ones, 1);
        java.util.Arrays.fill(runningVar, 1);
        FloatParam gamma = new FloatParam("gamma", init.fixed(ones));
        FloatParam beta = new FloatParam("beta", init.fixed(new double[channels]));
        FloatParam mean = new FloatParam("running_mean", init.fixed(new double[channels]), false);
        FloatParam var = new FloatParam("running_var", init.fixed(runningVar), false);
        return new FloatLayer() {
            private boolean training;
            private double[] normalised; // the last training forward's x-hat
            private double[] inverseSd;  // per channel, of that forward

            @Override
            public void training(boolean on) {
                training = on;
            }

            @Override
            public FloatTensor forward(FloatTensor x) {
                int n = x.shape().dim(0);
                int plane = x.shape().dim(2) * x.shape().dim(3);
                double[] v = x.values();
                double[] out = new double[v.length];
                double[] xhat = training ? new double[v.length] : null;
                double[] inv = new double[channels];
                for (int c = 0; c < channels; c++) {
                    double mu;
                    double variance;
                    if (training) {
                        double sum = 0;
                        double squares = 0;
                        for (int i = 0; i < n; i++) {
                            for (int p = 0, at = (i * channels + c) * plane; p < plane; p++, at++) {
                                sum += v[at];
                                squares += v[at] * v[at];
                            }
                        }
                        int count = n * plane;
                        mu = sum / count;
                        variance = Math.max(0, squares / count - mu * mu);
                        double unbiased = count > 1 ? variance * count / (count - 1) : variance;
                        mean.value[c] = (1 - MOMENTUM) * mean.value[c] + MOMENTUM * mu;
                        var.value[c] = (1 - MOMENTUM) * var.value[c] + MOMENTUM * unbiased;
                    } else {
                        mu = mean.value[c];
                        variance = var.value[c];
                    }
                    inv[c] = 1 / Math.sqrt(variance + EPSILON);
                    for (int i = 0; i < n; i++) {
                        for (int p = 0, at = (i * channels + c) * plane; p < plane; p++, at++) {
                            double h = (v[at] - mu) * inv[c];
                            if (xhat != null) {
                                xhat[at] = h;
                            }
                            out[at] = gamma.value[c] * h + beta.value[c];
                        }
                    }
                }
                normalised = xhat;
                inverseSd = inv;
                return new FloatTensor(x.shape(), out);
            }

            @Override
            public FloatTensor backward(FloatTensor delta) {
                if (normalised == null) {
                    throw new IllegalStateException(describe() + ": backward needs a training forward pass first");
                }
                int n = delta.shape().dim(0);
                int plane = delta.shape().dim(2) * delta.shape().dim(3);
                int count = n * plane;
                double[] d = delta.values();
                double[] out = new double[d.length];
                for (int c = 0; c < channels; c++) {
                    double sumD = 0;
                    double sumDx = 0;
                    for (int i = 0; i < n; i++) {
                        for (int p = 0, at = (i * channels + c) * plane; p < plane; p++, at++) {
                            sumD += d[at];
                            sumDx += d[at] * normalised[at];
                        }
                    }
                    beta.gradient[c] = sumD;
                    gamma.gradient[c] = sumDx;
                    double k = gamma.value[c] * inverseSd[c] / count;
                    for (int i = 0; i < n; i++) {
                        for (int p = 0, at = (i * channels + c) * plane; p < plane; p++, at++) {
                            out[at] = k * (count * d[at] - sumD - normalised[at] * sumDx);
                        }
                    }
                }
                return new FloatTensor(delta.shape(), out);
            }

            @Override
            public List<FloatParam> params() {
                return List.of(gamma, beta, mean, var);
            }
        };
    }
}
