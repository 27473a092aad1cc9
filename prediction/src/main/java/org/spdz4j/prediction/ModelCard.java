package org.spdz4j.prediction;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.layers.ClassNames;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.SharedModel;

/**
 * What a prediction client is told about the model before it sends anything: the shape of one
 * input, the number of classes, how raw inputs in [0, 1] are scaled, the servers' batch and
 * request limits, and the classes' names where the model has them. Public facts only (no
 * weight); both servers send it and the client compares. On the wire one line of text, each name
 * URL-encoded ({@code -}: not named):
 * {@code spdz4j-card 2 input=3,32,32 classes=2 scaling=0.13,0.31 batch=100 max-request=10000 names=cat,dog}.
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
 * @param names      the class of each answer, by name; empty where the model does not name them
 */
public record ModelCard(Shape input, int classes, InputScaling scaling, int batch, int maxRequest, List<String> names) {
    private static final Pattern LINE = Pattern.compile("spdz4j-card 2 input=([0-9,]+) classes=([0-9]+) scaling=(\\S+) "
            + "batch=([0-9]+) max-request=([0-9]+) names=(\\S+)");

    public ModelCard {
        names = List.copyOf(names);
        if (!names.isEmpty() && names.size() != classes) {
            throw new IllegalArgumentException(names.size() + " class names for " + classes + " classes");
        }
    }

    /** The card of {@code model} served in batches of {@code batch}, at most {@code maxRequest} inputs a client. */
    public static ModelCard of(SharedModel model, int batch, int maxRequest) {
        return new ModelCard(model.network().input(), model.network().outputs(), model.scaling(), batch, maxRequest,
                model.classes());
    }

    /** Answer {@code k}'s class: its name, or its number where the model does not name them. */
    public String className(int k) {
        return ClassNames.name(names, k);
    }

    /** The card as sent. */
    public byte[] encode() {
        String dims = Arrays.stream(input.dims()).mapToObj(Integer::toString).reduce((a, b) -> a + "," + b).orElse("");
        String named = names.isEmpty() ? "-" : String.join(",", names.stream()
                .map(n -> URLEncoder.encode(n, StandardCharsets.UTF_8)).toList());
        return String.format("spdz4j-card 2 input=%s classes=%d scaling=%s batch=%d max-request=%d names=%s", dims, classes,
                scaling, batch, maxRequest, named).getBytes(StandardCharsets.UTF_8);
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
            List<String> names = m.group(6).equals("-") ? List.of() : Arrays.stream(m.group(6).split(",", -1))
                    .map(n -> URLDecoder.decode(n, StandardCharsets.UTF_8)).toList();
            return new ModelCard(Shape.of(dims), Integer.parseInt(m.group(2)), InputScaling.parse(m.group(3)),
                    Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), names);
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
