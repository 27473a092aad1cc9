package org.spdz4j.net;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Nested;
import org.spdz4j.core.testing.TransportConformance;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Transport;

/** The transport suite over real loopback sockets, plain and with mutual TLS. */
class NettyConformanceTest {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    static Transport[] connectAll(Map<Role, TlsIdentity> tls) {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, CompletableFuture<NettyTransport>> f = new java.util.LinkedHashMap<>();
        for (Role r : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            f.put(r, CompletableFuture.supplyAsync(() -> NettyTransport.connect(r, at, tls == null ? null : tls.get(r), TIMEOUT)));
        }
        return new Transport[]{f.get(Role.P0).join(), f.get(Role.P1).join(), f.get(Role.DEALER).join()};
    }

    /** Fresh keys for the three roles, each pinning the other two. */
    static Map<Role, TlsIdentity> identities() {
        Map<Role, TlsIdentity.Generated> keys = new java.util.LinkedHashMap<>();
        for (Role r : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            keys.put(r, TlsIdentity.generate(r));
        }
        Map<Role, TlsIdentity> out = new java.util.LinkedHashMap<>();
        for (Role r : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            Map<Role, String> pins = new java.util.LinkedHashMap<>();
            for (Role other : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
                if (!other.equals(r)) {
                    pins.put(other, keys.get(other).fingerprint());
                }
            }
            out.put(r, new TlsIdentity(keys.get(r).key(), keys.get(r).certificate(), pins));
        }
        return out;
    }

    @Nested
    class Plain extends TransportConformance {
        @Override
        protected Transport[] connect() {
            return connectAll(null);
        }
    }

    @Nested
    class Tls extends TransportConformance {
        @Override
        protected Transport[] connect() {
            return connectAll(identities());
        }
    }
}
