package org.spdz4j.app;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Topology;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Where the three processes listen and which certificate each must present. YAML, read with
 * SnakeYAML's safe constructor (plain maps, no arbitrary types):
 * <pre>
 * version: 1
 * tls: true
 * roles:
 *   P0:     {host: 10.0.0.1, port: 7100, fingerprint: 3f2a...}   # SHA-256 of P0.crt.pem's DER
 *   P1:     {host: 10.0.0.2, port: 7100, fingerprint: 91c4...}
 *   DEALER: {host: 10.0.0.3, port: 7100, fingerprint: 07be...}
 * </pre>
 * The dealer only dials out; its host and port are unused but its fingerprint is required.
 *
 * @param tls          mutual TLS 1.3 (false only for tests on a trusted network)
 * @param endpoints    each role's listening address
 * @param fingerprints each role's pinned certificate fingerprint (with tls)
 */
public record RunConfig(boolean tls, Map<Role, InetSocketAddress> endpoints, Map<Role, String> fingerprints) {

    public static RunConfig read(Path file) throws IOException {
        Object doc;
        try (Reader r = Files.newBufferedReader(file)) {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
        } catch (RuntimeException e) {
            throw new IOException(file + " is not valid YAML: " + e.getMessage(), e);
        }
        if (!(doc instanceof Map<?, ?> top)) {
            throw new IOException(file + ": expected a mapping with 'version', 'tls' and 'roles'");
        }
        if (!Integer.valueOf(1).equals(top.get("version"))) {
            throw new IOException(file + ": unsupported config version " + top.get("version") + " (expected 1)");
        }
        boolean tls = !Boolean.FALSE.equals(top.get("tls"));
        if (!(top.get("roles") instanceof Map<?, ?> roles)) {
            throw new IOException(file + ": missing 'roles'");
        }
        Map<Role, InetSocketAddress> endpoints = new java.util.LinkedHashMap<>();
        Map<Role, String> fingerprints = new java.util.LinkedHashMap<>();
        for (Role role : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            if (!(roles.get(role.name()) instanceof Map<?, ?> entry)) {
                throw new IOException(file + ": missing roles." + role);
            }
            Object host = entry.get("host");
            Object port = entry.get("port");
            if (!(host instanceof String h) || !(port instanceof Integer p) || p <= 0 || p > 65535) {
                throw new IOException(file + ": roles." + role + " needs a host and a port in 1..65535");
            }
            endpoints.put(role, new InetSocketAddress(h, p));
            Object fp = entry.get("fingerprint");
            if (tls && !(fp instanceof String s && s.matches("[0-9a-f]{64}"))) {
                throw new IOException(file + ": roles." + role + ".fingerprint must be 64 lower-case hex digits "
                        + "(see 'spdz keygen')");
            }
            if (fp != null) {
                fingerprints.put(role, fp.toString());
            }
        }
        return new RunConfig(tls, endpoints, fingerprints);
    }

    public void write(Path file) throws IOException {
        Map<String, Object> roles = new LinkedHashMap<>();
        for (Role role : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("host", endpoints.get(role).getHostString());
            e.put("port", endpoints.get(role).getPort());
            if (fingerprints.containsKey(role)) {
                e.put("fingerprint", fingerprints.get(role));
            }
            roles.put(role.name(), e);
        }
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("version", 1);
        top.put("tls", tls);
        top.put("roles", roles);
        Files.writeString(file, "# spdz4j run configuration: see README, three-machine setup\n" + new Yaml().dump(top));
    }

    /** The participants as a topology: P0, P1 and the dealer, each with its address and fingerprint. */
    public Topology topology() {
        Topology.Builder b = Topology.builder();
        endpoints.forEach((role, at) -> b.participant(role, at, fingerprints.get(role)));
        return b.build();
    }
}
