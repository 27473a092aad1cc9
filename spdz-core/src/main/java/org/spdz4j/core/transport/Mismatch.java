package org.spdz4j.core.transport;

/**
 * Participants that run different programs: another option, plan, step range or version, or
 * resume points they do not share. Unlike a dropped link it does not mend itself, so a
 * participant that would connect again after a break ({@code --reconnect} in training, split and
 * federated learning, a prediction server's next session) ends at once instead. The message
 * names the fact and both values.
 *
 * <pre>{@code
 * try {
 *     Facts.requireSame(mine, me, theirs, them);
 * } catch (Mismatch m) {
 *     System.err.println(m.getMessage()); // "another plan: CLIENT3 runs batch size (--batch) = 16 but COORDINATOR runs 10 ..."
 * }
 * }</pre>
 */
public class Mismatch extends ProtocolException {
    private static final long serialVersionUID = 1L;

    /** A mismatch described by {@code message}, which names what differs and both values. */
    public Mismatch(String message) {
        super(message);
    }

    /** A mismatch described by {@code message}, found through {@code cause}. */
    public Mismatch(String message, Throwable cause) {
        super(message, cause);
    }
}
