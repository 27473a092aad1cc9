package org.spdz4j.core.transport;

import java.time.Duration;
import org.spdz4j.core.testing.TransportConformance;

/** The transport suite on the in-memory network. */
class InMemoryConformanceTest extends TransportConformance {
    @Override
    protected Transport[] connect() {
        InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(2), 64L << 20);
        return new Transport[]{net.transport(Role.P0), net.transport(Role.P1), net.transport(Role.DEALER)};
    }
}
