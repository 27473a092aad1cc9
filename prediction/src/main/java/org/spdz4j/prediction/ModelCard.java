package org.spdz4j.prediction;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.SharedModel;

/**
 * What a prediction client is told about the model before it sends anything: the shape of one
 * input, the number of classes, how raw inputs in [0, 1] are scaled, and the servers' batch and
 * request limits. Public facts only (no weight); both servers send it and the client compares.
 * On the wire one line of text:
 * {@code spdz4j-card 1 input=1,28,28 classes=10 scaling=0.13,0.31 batch=100 max-request=10000}.
 *
 * <pre>{@code
 * ModelCard card = PredictionClient.card(transport);
 * card.requireInput(Shape.of(1, 28, 28), "digit.png");   // refused before any share is sent
 * }</pre>
 *
 * @param input      one input's shape: (channels, height, width) or (features)
 * @param classes    the number of classes; answers are 0 .. classes - 1
 * @param scaling    the input scaling the model was trained with
 * @param batch      images per batch the servers compute
 * @param maxRequest the most inputs one client may send in a session
 */
public record ModelCard(Shape input, int classes, InputScaling scaling, int batch, int maxRequest) {
    private static final Pattern LINE = Pattern.compile("spdz4j-card 1 input=([0-9,]+) classes=([0-9]+) scaling=(\\S+) "
            + "batch=([0-9]+) max-request=([0-9]+)");

    /** The card of {@code model} served in batches of {@code batch}, at most {@code maxRequest} inputs a client. */
    public static ModelCard of(SharedModel model, int batch, int maxRequest) {
        return new ModelCard(model.network().input(), model.network().outputs(), model.scaling(), batch, maxRequest);
    }

    /** The card as sent. */
    public byte[] encode() {
        String dims = Arrays.stream(input.dims()).mapToObj(Integer::toString).reduce((a, b) -> a + "," + b).orElse("");
        return String.format("spdz4j-card 1 input=%s classes=%d scaling=%s batch=%d max-request=%d", dims, classes,
                scaling, batch, maxRequest).getBytes(StandardCharsets.UTF_8);
    }

    /** The card {@code from} sent; refused (naming the sender) unless it is one. */
    static ModelCard decode(byte[] bytes, String from) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        Matcher m = LINE.matcher(text);
        if (!m.matches()) {
            throw new ProtocolException(from + " sent no model card of this version: '"
                    + (text.length() > 120 ? text.substring(0, 120) + "..." : text) + "'");
        }
        try {
            int[] dims = Arrays.stream(m.group(1).split(",")).mapToInt(Integer::parseInt).toArray();
            return new ModelCard(Shape.of(dims), Integer.parseInt(m.group(2)), InputScaling.parse(m.group(3)),
                    Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(from + " sent a malformed model card: " + e.getMessage(), e);
        }
    }

    /** Refuses an input of another shape than the model's, naming {@code what}. */
    public void requireInput(Shape shape, String what) {
        if (!shape.equals(input)) {
            throw new IllegalArgumentException(what + " has shape " + shape + " but the model takes " + input);
        }
    }
}
