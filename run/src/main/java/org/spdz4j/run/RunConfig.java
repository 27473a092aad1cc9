package org.spdz4j.run;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Topology;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Who takes part, where each listens and which certificate each must present. YAML, read with
 * SnakeYAML's safe constructor (plain maps, no arbitrary types):
 * <pre>
 * version: 1
 * tls: true
 * roles:
 *   P0:      {host: 10.0.0.1, port: 7100, fingerprint: 3f2a...}   # SHA-256 of P0.crt.pem's DER
 *   P1:      {host: 10.0.0.2, port: 7100, fingerprint: 91c4...}
 *   DEALER:  {host: 10.0.0.3, port: 7100, fingerprint: 07be...}
 *   HOLDER0: {host: 10.0.0.4, port: 7100, fingerprint: 5d10...}   # any number of other participants
 *   LABELS:  {host: 10.0.0.5, port: 7100, fingerprint: c2e9...}
 * links:                                                           # optional, beyond the default ones
 *   - [HOLDER0, LABELS]
 * </pre>
 * Role names are those of {@link Role#parse}. Every compute party is linked with every other
 * participant; {@code links} adds others. Of two linked participants the one sorted later dials,
 * so a participant that only dials (the dealer among the three) needs no reachable address, but
 * its fingerprint is required.
 *
 * @param tls          mutual TLS 1.3 (false only for tests on a trusted network)
 * @param endpoints    each participant's listening address, in file order
 * @param fingerprints each participant's pinned certificate fingerprint (with tls)
 * @param links        extra links, each a pair of roles
 */
public record RunConfig(boolean tls, Map<Role, InetSocketAddress> endpoints, Map<Role, String> fingerprints,
                        List<List<Role>> links) {

    /** The three processes of a training run, with no extra links. */
    public RunConfig(boolean tls, Map<Role, InetSocketAddress> endpoints, Map<Role, String> fingerprints) {
        this(tls, endpoints, fingerprints, List.of());
    }

    public static RunConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("the run configuration " + file + " does not exist (see README, three machines)");
        }
        Object doc;
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try (Reader r = Files.newBufferedReader(file)) {
            doc = new Yaml(new SafeConstructor(options)).load(r);
        } catch (MarkedYAMLException e) {
            Mark at = e.getProblemMark();
            throw new IOException(file + (at == null ? "" : ":" + (at.getLine() + 1) + ":" + (at.getColumn() + 1))
                    + ": not valid YAML: " + e.getProblem()); // one line; SnakeYAML's snippet is not repeated
        } catch (RuntimeException e) {
            throw new IOException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
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
        Map<Role, InetSocketAddress> endpoints = new LinkedHashMap<>();
        Map<Role, String> fingerprints = new LinkedHashMap<>();
        for (Map.Entry<?, ?> named : roles.entrySet()) {
            Role role = role(file, "roles", named.getKey());
            if (!(named.getValue() instanceof Map<?, ?> entry)) {
                throw new IOException(file + ": roles." + role + " needs host, port and fingerprint");
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
        List<List<Role>> links = new ArrayList<>();
        Object listed = top.get("links");
        if (listed != null && !(listed instanceof List<?>)) {
            throw new IOException(file + ": 'links' must be a list of pairs such as [HOLDER0, LABELS]");
        }
        for (Object pair : listed == null ? List.of() : (List<?>) listed) {
            if (!(pair instanceof List<?> two) || two.size() != 2) {
                throw new IOException(file + ": each entry of 'links' is a pair such as [HOLDER0, LABELS], got " + pair);
            }
            List<Role> link = List.of(role(file, "links", two.get(0)), role(file, "links", two.get(1)));
            for (Role r : link) {
                if (!endpoints.containsKey(r)) {
                    throw new IOException(file + ": links name " + r + ", which is not under 'roles'");
                }
            }
            links.add(link);
        }
        return new RunConfig(tls, endpoints, fingerprints, links);
    }

    private static Role role(Path file, String where, Object name) throws IOException {
        try {
            return Role.parse(String.valueOf(name));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + where + ": " + e.getMessage(), e);
        }
    }

    /** Refuses a configuration that lacks one of {@code roles} or names any other, naming it. */
    public RunConfig requireExactly(Path file, Role... roles) throws IOException {
        List<Role> wanted = List.of(roles);
        for (Role r : wanted) {
            if (!endpoints.containsKey(r)) {
                throw new IOException(file + ": missing roles." + r);
            }
        }
        for (Role r : endpoints.keySet()) {
            if (!wanted.contains(r)) {
                throw new IOException(file + ": roles." + r + " takes no part in this run (it has "
                        + wanted.stream().map(Role::name).collect(java.util.stream.Collectors.joining(", ")) + ")");
            }
        }
        return this;
    }

    public void write(Path file) throws IOException {
        Map<String, Object> roles = new LinkedHashMap<>();
        endpoints.forEach((role, at) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("host", at.getHostString());
            e.put("port", at.getPort());
            if (fingerprints.containsKey(role)) {
                e.put("fingerprint", fingerprints.get(role));
            }
            roles.put(role.name(), e);
        });
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("version", 1);
        top.put("tls", tls);
        top.put("roles", roles);
        if (!links.isEmpty()) {
            top.put("links", links.stream().map(l -> l.stream().map(Role::name).toList()).toList());
        }
        Files.writeString(file, "# spdz4j run configuration: see README, three-machine setup\n" + new Yaml().dump(top));
    }

    /** The participants as a topology: each with its address and fingerprint, and the extra links. */
    public Topology topology() {
        Topology.Builder b = Topology.builder();
        endpoints.forEach((role, at) -> b.participant(role, at, fingerprints.get(role)));
        links.forEach(l -> b.link(l.get(0), l.get(1)));
        return b.build();
    }
}
