package org.spdz4j.app;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Topology;
import org.spdz4j.net.DelayProxy;
import org.spdz4j.run.RunConfig;

/**
 * A local run's links across an emulated WAN: each process reaches every peer it dials through
 * a {@link DelayProxy} of its own (a one-way delay and a bandwidth per direction), by reading a
 * run.yaml in which those peers' addresses are the proxies'; what it listens on stays as it was.
 * The one idiom of {@code wan-bench} and of the demos' {@code --wan}.
 *
 * <pre>{@code
 * try (WanLinks wan = WanLinks.start(run, "wan-", config, hosted, Duration.ofMillis(25), 100_000_000)) {
 *     Path p1View = wan.config(Role.P1);    // P1's run.yaml: P0 behind P1's proxy to it
 * }
 * }</pre>
 */
final class WanLinks implements AutoCloseable {
    private final Map<List<Role>, DelayProxy> proxies = new LinkedHashMap<>(); // by link: (the role that dials, its peer)
    private final Map<Role, Path> views = new LinkedHashMap<>();

    private WanLinks() {
    }

    /** As {@link #start(Path, String, Path, Map, int, int, Set)} with every link through a proxy. */
    static WanLinks start(Path run, String prefix, Path config, Map<Role, List<Role>> hosted, int roundTripMillis,
                          int megabitsPerSecond) throws IOException {
        return start(run, prefix, config, hosted, roundTripMillis, megabitsPerSecond, Set.of());
    }

    /**
     * As {@link #start(Path, String, Path, Map, Duration, long, Set)} for a round trip in ms and a
     * bandwidth in Mbit/s (0: as loopback), the options' units; the links of the roles in
     * {@code direct} stay on loopback.
     */
    static WanLinks start(Path run, String prefix, Path config, Map<Role, List<Role>> hosted, int roundTripMillis,
                          int megabitsPerSecond, Set<Role> direct) throws IOException {
        return start(run, prefix, config, hosted, Duration.ofNanos(roundTripMillis * 500_000L),
                megabitsPerSecond * 1_000_000L, direct);
    }

    /**
     * Proxies for every link a process of {@code hosted} dials (key: the process, named by its
     * first role; value: every role it plays, such as P0 and the coordinator of a federated
     * server), and each process's run.yaml in {@code run}, named {@code <prefix><process>.yaml}.
     *
     * @param oneWay        the delay each byte takes through a proxy, each way
     * @param bitsPerSecond each direction's bandwidth (0: as loopback)
     * @param direct        roles whose links bypass the proxies (the dealer's, to measure the compute parties'
     *                      link alone, as if its corrections had been shipped before the run)
     */
    static WanLinks start(Path run, String prefix, Path config, Map<Role, List<Role>> hosted, Duration oneWay,
                          long bitsPerSecond, Set<Role> direct) throws IOException {
        RunConfig c = RunConfig.read(config);
        Topology topology = c.topology();
        Map<Role, InetSocketAddress> real = c.endpoints();
        WanLinks wan = new WanLinks();
        try {
            for (Map.Entry<Role, List<Role>> process : hosted.entrySet()) {
                Map<Role, InetSocketAddress> view = new LinkedHashMap<>(real);
                for (Role peer : real.keySet()) {
                    if (process.getValue().contains(peer)) {
                        continue; // its own address: where it listens
                    }
                    Optional<Role> dialler = process.getValue().stream().filter(a -> topology.peersOf(a)
                            .contains(peer) && topology.dials(a, peer) && !direct.contains(a) && !direct.contains(peer))
                            .findFirst();
                    if (dialler.isPresent()) {
                        DelayProxy proxy = DelayProxy.start(real.get(peer), oneWay, bitsPerSecond);
                        wan.proxies.put(List.of(dialler.get(), peer), proxy);
                        view.put(peer, proxy.address());
                    }
                }
                Path file = run.resolve(prefix + process.getKey() + ".yaml");
                new RunConfig(c.tls(), view, c.fingerprints(), c.links()).write(file);
                wan.views.put(process.getKey(), file);
            }
            return wan;
        } catch (IOException | RuntimeException e) {
            wan.close();
            throw e;
        }
    }

    /** Drops every connection through every link's proxy now, as a blip of the WAN would; the proxies stay. */
    void cut() {
        proxies.values().forEach(DelayProxy::cut);
    }

    /**
     * What {@code from} has sent {@code to} through their link's proxy so far, or null where
     * their link has none (a direct link, or none at all).
     */
    DelayProxy.Traffic traffic(Role from, Role to) {
        DelayProxy dialled = proxies.get(List.of(from, to));
        if (dialled != null) {
            return dialled.towardTarget();
        }
        DelayProxy dialling = proxies.get(List.of(to, from));
        return dialling == null ? null : dialling.fromTarget();
    }

    /** The run.yaml of the process named {@code role}. */
    Path config(Role role) {
        Path p = views.get(role);
        if (p == null) {
            throw new IllegalArgumentException("no process " + role + " in this run");
        }
        return p;
    }

    /** {@code launches} routed through {@code links}, or as they are where there are none (no {@code --wan}). */
    static Map<Role, Launcher.Launch> route(WanLinks links, Map<Role, Launcher.Launch> launches) {
        return links == null ? launches : links.route(launches);
    }

    /** {@code launches} with each process's {@code --config} its own view. */
    Map<Role, Launcher.Launch> route(Map<Role, Launcher.Launch> launches) {
        Map<Role, Launcher.Launch> out = new LinkedHashMap<>();
        for (Map.Entry<Role, Launcher.Launch> e : launches.entrySet()) {
            List<String> args = new ArrayList<>(e.getValue().args());
            int at = args.indexOf("--config");
            if (at < 0 || at + 1 >= args.size()) {
                throw new IllegalArgumentException(e.getKey() + "'s command names no --config");
            }
            args.set(at + 1, config(e.getKey()).toString());
            Launcher.Launch l = e.getValue();
            out.put(e.getKey(), new Launcher.Launch(args, l.log(), l.errorsHere(), l.optional()));
        }
        return out;
    }

    /** The processes of {@code launches}, each playing its own role. */
    static Map<Role, List<Role>> eachItself(java.util.Collection<Role> processes) {
        Map<Role, List<Role>> hosted = new LinkedHashMap<>();
        processes.forEach(r -> hosted.put(r, List.of(r)));
        return hosted;
    }

    @Override
    public void close() {
        proxies.values().forEach(DelayProxy::close);
    }
}
