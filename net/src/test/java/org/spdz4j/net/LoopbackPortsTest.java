package org.spdz4j.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
    @Test
    void portsAreDistinctFreeAndOutsideTheRangeOutgoingConnectionsAreGiven() throws Exception {
        int ephemeral = LoopbackPorts.ephemeralStart();
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = LoopbackPorts.free();
            assertTrue(ports.add(port), "port " + port + " handed out twice");
            if (ephemeral > 10_000) { // Linux: below the kernel's range for outgoing connections
                assertTrue(port < ephemeral, port + " is in the ephemeral range from " + ephemeral);
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", port));
                try (Socket client = new Socket("127.0.0.1", port)) {
                    assertTrue(client.getLocalPort() != port);
                }
            }
        }
        assertEquals(50, ports.size());
    }
}
