package org.spdz4j.prediction;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.Contributor;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Transport;

/**
 * A client of private prediction: it learns the model's public card, secret-shares its inputs to
 * the two servers (a seed to P0, the inputs minus that seed's output to P1) and adds the two
 * shares of the answers it gets back; only it learns them. For a Java program that embeds the
 * client: connect a transport to P0 and P1 (the {@code spdz classify} command does it with
 * {@code NetworkRunner} and run.yaml), then
 *
 * <pre>{@code
 * ModelCard card = PredictionClient.card(transport);
 * card.requireInput(Shape.of(1, 28, 28), "my image");
 * int[] classes = PredictionClient.classify(transport, card, Shape.of(1, 28, 28), pixels);   // pixels in [0, 1]
 * }</pre>
 *
 * <h2>What it throws</h2>
 * {@link IllegalArgumentException} for inputs that do not fit the card (before any share is
 * sent); {@link Refusal} when the servers refuse the request (their reason), send different
 * cards or one of another version, or answers that are no class (two shares that do not belong
 * together, or logits beyond the comparisons' range that leave no single winner): asking again
 * would not help; any other {@link ProtocolException} when the session broke (a server's link
 * dropped, or a server did not answer within the transport's timeout): the request may be asked
 * again in another session, with fresh shares (what a broken session's servers received tells
 * them nothing, as in any session).
 */
public final class PredictionClient {
    private PredictionClient() {
    }

    /**
     * The servers' word, or their messages, saying that this request cannot be served as it is:
     * asking again meets it again.
     */
    public static final class Refusal extends Mismatch {
        private static final long serialVersionUID = 1L;

        Refusal(String message) {
            super(message);
        }

        Refusal(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The model card both servers sent; refused unless they sent the same. */
    public static ModelCard card(Transport t) {
        byte[] from0 = t.receiveBytes(Role.P0, PredictionServer.CARD);
        byte[] from1 = t.receiveBytes(Role.P1, PredictionServer.CARD);
        ModelCard c0;
        ModelCard c1;
        try {
            c0 = ModelCard.decode(from0, "P0");
            c1 = ModelCard.decode(from1, "P1");
        } catch (ProtocolException e) {
            throw new Refusal(e.getMessage(), e);
        }
        if (!Arrays.equals(c0.encode(), c1.encode())) {
            throw new Refusal("the servers describe different models: P0 '"
                    + new String(c0.encode(), StandardCharsets.UTF_8) + "', P1 '" + new String(c1.encode(), StandardCharsets.UTF_8) + "'");
        }
        return c0;
    }

    /**
     * The class of each of {@code n = values.length / example} inputs of shape {@code example}
     * (raw values in [0, 1], pixels / 255, one input after another), as the model on shares
     * computes it. Refuses, before sending anything, inputs of another shape than the card's, a
     * value that is not finite, and more inputs than a request may hold.
     */
    public static int[] classify(Transport t, ModelCard card, Shape example, double[] values) {
        return answers(t, card, example, values, false).classes();
    }

    /**
     * What the servers answered for a request.
     *
     * @param classes       each input's class
     * @param probabilities with {@code probabilities} asked: each input's class probabilities, row after row
     *                      ({@code n x classes}, the softmax with the training loss's approximations); else null
     */
    public record Answers(int[] classes, double[] probabilities) {
    }

    /**
     * As {@link #classify}, also asking for each input's class probabilities if
     * {@code probabilities} (more rounds for the servers; only this client learns them).
     */
    public static Answers answers(Transport t, ModelCard card, Shape example, double[] values, boolean probabilities) {
        card.requireInput(example, "each input");
        int n = values.length / example.size();
        if (n < 1 || n * example.size() != values.length) {
            throw new IllegalArgumentException(values.length + " values are not a whole number (at least 1) of inputs of shape "
                    + example);
        }
        if (n > card.maxRequest()) {
            throw new IllegalArgumentException(n + " inputs, but the servers take at most " + card.maxRequest()
                    + " a request: send them in several requests");
        }
        double[] scaled = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("input " + i / example.size() + " holds " + values[i]);
            }
            scaled[i] = card.scaling().apply(values[i]);
        }
        int[] dims = new int[example.rank() + 1];
        dims[0] = n;
        System.arraycopy(example.dims(), 0, dims, 1, example.rank());
        Ring128Tensor encoded = FixedPoint.DEFAULT.encode(Shape.of(dims), scaled);
        Contributor me = Contributor.connect(t); // P0: a seed
        byte[] count = PredictionServer.Request.encode(n, probabilities);
        t.sendBytes(Role.P0, PredictionServer.REQUEST, count);
        t.sendBytes(Role.P1, PredictionServer.REQUEST, count);
        me.input(0, 0, encoded); // P1: the inputs minus P0's PRG output
        for (Role server : new Role[]{Role.P0, Role.P1}) {
            String verdict = new String(t.receiveBytes(server, PredictionServer.VERDICT), StandardCharsets.UTF_8);
            if (!verdict.startsWith(PredictionServer.ACCEPTED + " ")) {
                throw new Refusal(server + " " + verdict);
            }
        }
        Ring128Tensor answers = me.result(0, 0, Shape.of(n));
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) {
            long v = answers.lo(i);
            if (answers.hi(i) != 0 || v < 0 || v >= card.classes()) {
                throw new Refusal("the servers' answer for input " + i + " is no class of " + card.classes()
                        + ": its logits differ by more than the secure comparisons' range, or the servers' shares do not "
                        + "belong together (different models, or a fault)");
            }
            classes[i] = (int) v;
        }
        double[] p = null;
        if (probabilities) {
            p = FixedPoint.DEFAULT.decode(me.result(0, 1, Shape.of(n, card.classes())));
            for (int i = 0; i < p.length; i++) {
                if (!(p[i] > -0.01 && p[i] < 1.01)) {
                    throw new Refusal("the servers' probability " + p[i] + " for input " + i / card.classes()
                            + " is no probability: their shares do not belong together (different models, or a fault)");
                }
            }
        }
        for (Role server : new Role[]{Role.P0, Role.P1}) {
            try {
                t.sendBytes(server, PredictionServer.CLIENT_DONE, new byte[0]);
            } catch (ProtocolException gone) {
                // the answers are this client's already: a server gone now only logs that it was not told
            }
        }
        return new Answers(classes, p);
    }
}
