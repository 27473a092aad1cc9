package org.spdz4j.core.transport;

/**
 * A peer broke the protocol or the connection: wrong message, wrong plan, timeout, closed
 * link. The message names who waited for what.
 */
public class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A protocol failure described by {@code message}. */
    public ProtocolException(String message) {
        super(message);
    }

    /** A protocol failure described by {@code message}, caused by {@code cause}. */
    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
