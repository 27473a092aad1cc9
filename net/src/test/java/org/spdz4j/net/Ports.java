package org.spdz4j.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.EnumMap;
import java.util.Map;
import org.spdz4j.core.transport.Role;

/** Free loopback ports for the three roles. */
final class Ports {
    private Ports() {
    }

    static Map<Role, InetSocketAddress> loopback() {
        Map<Role, InetSocketAddress> m = new EnumMap<>(Role.class);
        for (Role r : Role.values()) {
            try (ServerSocket s = new ServerSocket(0)) {
                m.put(r, new InetSocketAddress("127.0.0.1", s.getLocalPort()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return m;
    }
}
