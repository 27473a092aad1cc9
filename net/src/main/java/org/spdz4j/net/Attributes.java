package org.spdz4j.net;

import io.netty.util.AttributeKey;
import org.spdz4j.core.transport.Role;

/** Per-connection facts. */
final class Attributes {
    /** The role a client connection was opened to (null on accepted connections). */
    static final AttributeKey<Role> DIALED = AttributeKey.valueOf("spdz4j.dialed");

    private Attributes() {
    }
}
