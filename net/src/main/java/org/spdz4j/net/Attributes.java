package org.spdz4j.net;

import io.netty.util.AttributeKey;
import org.spdz4j.core.transport.Role;

/** Per-connection facts. */
final class Attributes {
    /** The role a client connection was opened to (null on accepted connections). */
    static final AttributeKey<Role> DIALED = AttributeKey.valueOf("spdz4j.dialed");

    /** Set on a connection whose HELLO was refused: nothing more from it is delivered. */
    static final AttributeKey<Boolean> REJECTED = AttributeKey.valueOf("spdz4j.rejected");

    /** Set on a dialled connection that closed during its TLS handshake: it is dialled again, its end is no failure. */
    static final AttributeKey<Boolean> REDIALLED = AttributeKey.valueOf("spdz4j.redialled");

    private Attributes() {
    }
}
