package org.spdz4j.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/** The one-line reasons the transport logs and puts in its errors. */
class InboundDescribeTest {
    @Test
    void aClosedChannelIsNamedInWordsNotAsANullMessage() {
        assertEquals("the peer closed the connection (it refused this one, or it is a proxy whose target is not listening yet)",
                Inbound.describe(new IOException("wrapped", new ClosedChannelException())));
    }

    @Test
    void aCauseWithoutMessageIsItsClassNameAlone() {
        assertEquals("IllegalStateException", Inbound.describe(new IllegalStateException()));
    }

    @Test
    void aMessageKeepsItsFirstLineOnlyAndAtMost400Characters() {
        assertEquals("IOException: first line", Inbound.describe(new IOException("first line\n00 01 02 hex dump")));
        assertEquals("IOException: " + "x".repeat(400) + "...", Inbound.describe(new IOException("x".repeat(1000))));
    }
}
