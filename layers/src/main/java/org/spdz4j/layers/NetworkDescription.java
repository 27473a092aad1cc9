package org.spdz4j.layers;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@link Network#describe()} back into a network: the architecture part of a model file. */
final class NetworkDescription {
    private static final Pattern CONV = Pattern.compile("conv2d\\((\\d+),(\\d+),k=(\\d+),s=(\\d+),p=(\\d+)(?:,avgpool=(\\d+))?(,bias)?\\)");
    private static final Pattern POOL = Pattern.compile("avgpool2d\\((\\d+)\\)");
    private static final Pattern RELU = Pattern.compile("polyrelu\\(degree=(\\d+),a=([0-9.eE+-]+)\\)");
    private static final Pattern EXACT_RELU = Pattern.compile("relu\\(k=(\\d+)\\)");
    private static final Pattern MAX_POOL = Pattern.compile("maxpool2d\\((\\d+),k=(\\d+)\\)");
    private static final Pattern DROPOUT = Pattern.compile("dropout\\(p=([0-9.eE+-]+)\\)");
    private static final Pattern BATCH_NORM = Pattern.compile("batchnorm2d\\((\\d+)\\)");
    private static final Pattern INPUT = Pattern.compile("input\\((\\d+(?:,\\d+)*)\\)");
    private static final Pattern DENSE = Pattern.compile("dense\\((\\d+),(\\d+)\\)");
    private static final Pattern SOFTMAX = Pattern.compile("softmax_cross_entropy\\(exp=(\\d+)(?:,newton=\\d+)?\\)(\\+brier_to_P0)?");

    private NetworkDescription() {
    }

    static Network parse(String text) {
        Network.Builder b = Network.builder();
        for (String token : text.trim().split(" ")) {
            Matcher m;
            if ((m = INPUT.matcher(token)).matches()) {
                b.input(java.util.Arrays.stream(m.group(1).split(",")).mapToInt(Integer::parseInt).toArray());
            } else if ((m = CONV.matcher(token)).matches()) {
                b.add(new Conv2d(i(m, 1), i(m, 2), i(m, 3), i(m, 4), i(m, 5), m.group(6) == null ? 1 : i(m, 6), m.group(7) != null));
            } else if ((m = POOL.matcher(token)).matches()) {
                b.addAvgPool2d(i(m, 1));
            } else if ((m = RELU.matcher(token)).matches()) {
                b.addPolyRelu(i(m, 1), Double.parseDouble(m.group(2)));
            } else if ((m = MAX_POOL.matcher(token)).matches()) {
                b.add(new MaxPool2d(i(m, 1), i(m, 2)));
            } else if ((m = EXACT_RELU.matcher(token)).matches()) {
                b.add(new Relu(i(m, 1)));
            } else if ((m = DENSE.matcher(token)).matches()) {
                b.addDense(i(m, 1), i(m, 2));
            } else if ((m = DROPOUT.matcher(token)).matches()) {
                b.addDropout(Double.parseDouble(m.group(1)));
            } else if ((m = BATCH_NORM.matcher(token)).matches()) {
                b.addBatchNorm2d(i(m, 1));
            } else if (token.equals("split")) {
                b.addSplit();
            } else if (token.equals("flatten")) {
                b.addFlatten();
            } else if ((m = SOFTMAX.matcher(token)).matches()) {
                b.loss(new SoftmaxCrossEntropy(i(m, 1), m.group(2) != null));
            } else if (token.equals("mse")) {
                b.loss(new MeanSquaredError());
            } else {
                throw new IllegalArgumentException("unknown layer '" + token + "' in network description: " + text);
            }
        }
        return b.build();
    }

    private static int i(Matcher m, int group) {
        return Integer.parseInt(m.group(group));
    }
}
