package org.spdz4j.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for processes of one run on one machine (the demos, the benchmarks, the
 * tests).
 *
 * <p>A port is chosen before the process that listens on it starts, so between the two another
 * socket could take it. The usual taker is an outgoing connection of the same run: the kernel
 * gives those a port from its ephemeral range, the same range a {@code ServerSocket(0)} probe
 * draws from. So on Linux the port is drawn below that range (read from
 * {@code /proc/sys/net/ipv4/ip_local_port_range}), where no outgoing connection is given one,
 * and checked free by binding it once; elsewhere it falls back to the kernel's choice. A port is
 * not handed out twice by one JVM.
 *
 * <pre>{@code
 * int port = LoopbackPorts.free();
 * endpoints.put(Role.P0, new InetSocketAddress("127.0.0.1", port));
 * }</pre>
 */
public final class LoopbackPorts {
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int LOWEST = 10_000;
    private static final int TRIES = 200;
    private static final Set<Integer> GIVEN = new HashSet<>();

    private LoopbackPorts() {
    }

    /** A loopback port nothing listens on now, and that this JVM has not handed out before. */
    public static synchronized int free() {
        int below = ephemeralStart();
        if (below > LOWEST) {
            ThreadLocalRandom random = ThreadLocalRandom.current(); // a port number, not a secret
            for (int i = 0; i < TRIES; i++) {
                int port = random.nextInt(LOWEST, below);
                if (!GIVEN.contains(port) && bindable(port)) {
                    GIVEN.add(port);
                    return port;
                }
            }
        }
        for (int i = 0; i < TRIES; i++) {
            int port = kernelChoice();
            if (GIVEN.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port after " + TRIES + " tries");
    }

    /** The first port of the kernel's ephemeral range, or 0 where it cannot be read. */
    static int ephemeralStart() {
        try {
            String[] range = Files.readString(EPHEMERAL_RANGE).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(port)); // every address: a listener on any of them would clash
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int kernelChoice() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
