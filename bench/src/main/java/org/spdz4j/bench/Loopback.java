package org.spdz4j.bench;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.spdz4j.core.transport.Role;
import org.spdz4j.net.LoopbackPorts;
import org.spdz4j.net.NettyTransport;
import org.spdz4j.net.TlsIdentity;

/** P0, P1 and the dealer connected by Netty on loopback, with fresh keys, for the benchmarks. */
final class Loopback {
    private Loopback() {
    }

    /**
     * Connects the three roles on free loopback ports.
     *
     * @param tls mutual TLS with freshly generated, pinned certificates; plain TCP otherwise
     * @return the transports of P0, P1 and the dealer, in that order
     */
    static NettyTransport[] connect(boolean tls, Duration timeout) throws Exception {
        List<Role> roles = List.of(Role.P0, Role.P1, Role.DEALER);
        Map<Role, InetSocketAddress> at = new LinkedHashMap<>();
        Map<Role, TlsIdentity.Generated> keys = new LinkedHashMap<>();
        for (Role r : roles) {
            at.put(r, new InetSocketAddress("127.0.0.1", LoopbackPorts.free()));
            keys.put(r, TlsIdentity.generate(r));
        }
        Map<Role, CompletableFuture<NettyTransport>> f = new LinkedHashMap<>();
        for (Role r : roles) {
            Map<Role, String> pins = new LinkedHashMap<>();
            for (Role o : roles) {
                if (!o.equals(r)) {
                    pins.put(o, keys.get(o).fingerprint());
                }
            }
            TlsIdentity id = tls ? new TlsIdentity(keys.get(r).key(), keys.get(r).certificate(), pins) : null;
            f.put(r, CompletableFuture.supplyAsync(() -> NettyTransport.connect(r, at, id, timeout)));
        }
        return new NettyTransport[]{f.get(Role.P0).join(), f.get(Role.P1).join(), f.get(Role.DEALER).join()};
    }
}
