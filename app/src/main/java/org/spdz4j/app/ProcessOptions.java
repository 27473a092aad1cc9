package org.spdz4j.app;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Topology;
import org.spdz4j.net.NetworkRunner;
import org.spdz4j.net.TlsIdentity;
import org.spdz4j.run.RunConfig;
import picocli.CommandLine.Option;

/** How a process finds and authenticates its peers. */
final class ProcessOptions {
    @Option(names = "--config", required = true, description = "run configuration (YAML): addresses and certificate fingerprints")
    Path config;
    @Option(names = "--keys", description = "directory with this role's <ROLE>.key.pem and <ROLE>.crt.pem (from 'spdz keygen')")
    Path keys;
    @Option(names = "--timeout", defaultValue = "120", description = "seconds to wait for a peer before giving up")
    int timeoutSeconds;

    /** Runs {@code body} as {@code role} with the library's {@link NetworkRunner}: connect, run, close. */
    <T> T run(Role role, NetworkRunner.Body<T> body) throws Exception {
        return run(role, java.util.List.of(Role.P0, Role.P1, Role.DEALER), body);
    }

    /** As {@link #run(Role, NetworkRunner.Body)} in a run of exactly {@code participants}. */
    <T> T run(Role role, java.util.List<Role> participants, NetworkRunner.Body<T> body) throws Exception {
        return run(role, participants, java.util.List.of(), body);
    }

    /**
     * As {@link #run(Role, java.util.List, NetworkRunner.Body)}, starting without those of
     * {@code optional} that do not connect within {@code --timeout} (see {@link Topology#withOptional}).
     */
    <T> T run(Role role, java.util.List<Role> participants, java.util.List<Role> optional, NetworkRunner.Body<T> body)
            throws Exception {
        return run(role, participants, optional, timeout(), body);
    }

    /**
     * As {@link #run(Role, java.util.List, java.util.List, NetworkRunner.Body)}, waiting for the
     * optional participants at most {@code optionalWindow} once the others are in.
     */
    <T> T run(Role role, java.util.List<Role> participants, java.util.List<Role> optional, Duration optionalWindow,
              NetworkRunner.Body<T> body) throws Exception {
        return run(role, participants, optional, optionalWindow, false, body);
    }

    /**
     * As {@link #run(Role, java.util.List, java.util.List, NetworkRunner.Body)}, the optional
     * participants also taken when they connect after the setup window or again after their
     * connection ended (a federated server's clients; see {@link Topology#withLateJoins}).
     */
    <T> T runAdmittingLate(Role role, java.util.List<Role> participants, java.util.List<Role> optional,
                           NetworkRunner.Body<T> body) throws Exception {
        return run(role, participants, optional, timeout(), true, body);
    }

    private <T> T run(Role role, java.util.List<Role> participants, java.util.List<Role> optional, Duration optionalWindow,
                      boolean lateJoins, NetworkRunner.Body<T> body) throws Exception {
        RunConfig c = RunConfig.read(config).requireExactly(config, participants.toArray(new Role[0]));
        Topology topology = c.topology().withOptional(optional.stream().filter(r -> !r.equals(role)).toList());
        if (lateJoins) {
            topology = topology.withLateJoins();
        }
        TlsIdentity tls = null;
        if (c.tls()) {
            if (keys == null) {
                throw new IOException(config + " asks for TLS: pass --keys with " + role + "'s key and certificate");
            }
            tls = TlsIdentity.load(keys, role, topology);
            ParentWatch.forgetKey(keys.resolve(role + ".key.pem")); // a demo's key: loaded, no longer needed on disk
        }
        return NetworkRunner.run(role, topology, tls, timeout(), optionalWindow, body);
    }

    /** Every role run.yaml names, in file order. */
    java.util.List<Role> configuredRoles() throws IOException {
        return java.util.List.copyOf(RunConfig.read(config).endpoints().keySet());
    }

    /** The compute party {@code --id} names: P0 or P1, anything else refused. */
    static Role computeParty(int id) {
        if (id != 0 && id != 1) {
            throw new IllegalArgumentException("--id must be 0 or 1");
        }
        return id == 0 ? Role.P0 : Role.P1;
    }

    /** How long to wait for a peer. */
    Duration timeout() {
        return Duration.ofSeconds(timeoutSeconds);
    }

    /** A 16-byte seed from hex, or a fresh one. */
    static byte[] seed(String hex) {
        if (hex == null) {
            return AesCtrPrg.freshSeed();
        }
        byte[] s = HexFormat.of().parseHex(hex);
        if (s.length != AesCtrPrg.SEED_BYTES) {
            throw new IllegalArgumentException("a seed is " + AesCtrPrg.SEED_BYTES + " bytes (32 hex digits), got " + s.length);
        }
        return s;
    }
}
