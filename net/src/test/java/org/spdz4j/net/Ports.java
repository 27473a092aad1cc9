package org.spdz4j.net;

import java.net.InetSocketAddress;
import java.util.Map;
import org.spdz4j.core.transport.Role;

/** Free loopback ports for the three roles, or for any roles. */
final class Ports {
    private Ports() {
    }

    static Map<Role, InetSocketAddress> loopback() {
        return loopback(java.util.List.of(Role.P0, Role.P1, Role.DEALER));
    }

    static Map<Role, InetSocketAddress> loopback(java.util.List<Role> roles) {
        Map<Role, InetSocketAddress> m = new java.util.LinkedHashMap<>();
        for (Role r : roles) {
            m.put(r, new InetSocketAddress("127.0.0.1", LoopbackPorts.free()));
        }
        return m;
    }
}
