package org.spdz4j.core.transport;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.TrafficCounter.Direction;

/**
 * P0, P1 and the dealer in one JVM, each on its own thread, connected by in-memory links.
 * Each link holds at most {@code linkCapacityBytes} in flight (a sender blocks beyond that, as
 * over TCP), so a dealer running ahead is bounded. Tensors are copied on send: no party ever
 * holds another's arrays. {@link #overWan} delays every link as a WAN would: a frame leaves its
 * link's queue in order, taking its bytes over the bandwidth, and arrives the one-way delay later
 * (benchmarks: {@code spdz predict-bench --rtts}).
 *
 * <pre>{@code
 * InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(30), 256L << 20);
 * Transport p0 = net.transport(Role.P0);
 * InMemoryNetwork wan = new InMemoryNetwork(List.of(Role.P0, Role.P1), Duration.ofSeconds(30), 256L << 20)
 *         .overWan(Duration.ofMillis(25), 100_000_000);            // 50 ms round trip, 100 Mbit/s each way
 * }</pre>
 */
public final class InMemoryNetwork {
    private final Duration timeout;
    private final long linkCapacityBytes;
    private final Map<Role, Map<Role, Link>> links = new HashMap<>();
    private final Map<Role, Endpoint> endpoints = new HashMap<>();
    private volatile long oneWayNanos; // 0 with bitsPerSecond 0: frames arrive as sent
    private volatile long bitsPerSecond;

    /** P0, P1 and the dealer. */
    public InMemoryNetwork(Duration timeout, long linkCapacityBytes) {
        this(List.of(Role.P0, Role.P1, Role.DEALER), timeout, linkCapacityBytes);
    }

    /** The participants {@code roles}, each linked to every other. */
    public InMemoryNetwork(Collection<Role> roles, Duration timeout, long linkCapacityBytes) {
        this.timeout = timeout;
        this.linkCapacityBytes = linkCapacityBytes;
        for (Role from : roles) {
            Map<Role, Link> out = new HashMap<>();
            for (Role to : roles) {
                if (!from.equals(to)) {
                    out.put(to, new Link(from, to));
                }
            }
            links.put(from, out);
            endpoints.put(from, new Endpoint(from));
        }
    }

    /** A network with a 60 s timeout and 512 MiB per link. */
    public InMemoryNetwork() {
        this(Duration.ofSeconds(60), 512L << 20);
    }

    /**
     * This network with every link across an emulated WAN: each frame arrives {@code oneWay}
     * after it has left, and leaves its link's queue at {@code bitsPerSecond} (0: at once), in
     * the order sent. The frame's bytes are those the traffic counters count.
     */
    public InMemoryNetwork overWan(Duration oneWay, long bitsPerSecond) {
        if (oneWay.isNegative() || bitsPerSecond < 0) {
            throw new IllegalArgumentException("a WAN link takes a delay and a bandwidth, neither negative: " + oneWay
                    + ", " + bitsPerSecond + " bit/s");
        }
        this.oneWayNanos = oneWay.toNanos();
        this.bitsPerSecond = bitsPerSecond;
        return this;
    }

    /** The transport of participant {@code role}. */
    public Transport transport(Role role) {
        Endpoint e = endpoints.get(role);
        if (e == null) {
            throw new IllegalArgumentException("this network has no participant " + role + " (it has " + endpoints.keySet() + ")");
        }
        return e;
    }

    private record Frame(Tag tag, Ring128Tensor tensor, byte[] bytes, boolean closing, long due) {
        Frame(Tag tag, Ring128Tensor tensor, byte[] bytes, boolean closing) {
            this(tag, tensor, bytes, closing, 0);
        }

        Frame arriving(long nanos) {
            return new Frame(tag, tensor, bytes, closing, nanos);
        }

        long size() {
            return tensor != null ? 16L * tensor.size() : bytes != null ? bytes.length : 0;
        }
    }

    /** One direction between two roles. */
    private final class Link {
        private final Role from;
        private final Role to;
        private final ArrayDeque<Frame> frames = new ArrayDeque<>();
        private long inFlight;
        private long busyUntil; // over a WAN: when the last frame sent has left (System.nanoTime)

        Link(Role from, Role to) {
            this.from = from;
            this.to = to;
        }

        synchronized void put(Frame f) {
            long deadline = System.nanoTime() + timeout.toNanos();
            // a frame larger than the capacity still goes through once the link is empty
            while (inFlight > 0 && inFlight + f.size() > linkCapacityBytes) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ProtocolException(from + " timed out after " + timeout.toSeconds() + " s sending " + f.tag
                            + " to " + to + ": " + inFlight + " bytes still unread by " + to);
                }
                waitNanos(left);
            }
            frames.addLast(f.arriving(arrival(f.size())));
            inFlight += f.size();
            notifyAll();
        }

        /** Whether frame {@code f} is still on its way at {@code now} (only over a WAN). */
        private boolean travelling(Frame f, long now) {
            return (oneWayNanos != 0 || bitsPerSecond != 0) && !f.closing && f.due - now > 0;
        }

        /** When a frame of {@code bytes} sent now arrives: it leaves after those before it, then travels. */
        private long arrival(long bytes) {
            long leaves = Math.max(System.nanoTime(), busyUntil)
                    + (bitsPerSecond == 0 ? 0 : (long) (bytes * 8 * 1e9 / bitsPerSecond));
            busyUntil = leaves;
            return leaves + oneWayNanos;
        }

        synchronized Frame take(Tag expected, Duration limit) {
            long deadline = System.nanoTime() + limit.toNanos();
            for (long now = System.nanoTime(); frames.isEmpty() || travelling(frames.peekFirst(), now); now = System.nanoTime()) {
                long left = deadline - now;
                if (left <= 0) {
                    throw new ProtocolException(to + " timed out after " + limit.toSeconds() + " s waiting for "
                            + expected + " from " + from);
                }
                waitNanos(frames.isEmpty() ? left : Math.min(left, frames.peekFirst().due - now));
            }
            Frame f = frames.peekFirst();
            if (f.closing) {
                throw new ProtocolException(from + " closed the connection while " + to + " waited for " + expected);
            }
            frames.removeFirst();
            inFlight -= f.size();
            notifyAll();
            if (!f.tag.equals(expected)) {
                throw new ProtocolException(to + " expected " + expected + " from " + from + " but received " + f.tag
                        + ": the parties are out of step");
            }
            return f;
        }

        private void waitNanos(long nanos) {
            try {
                TimeUnit.NANOSECONDS.timedWait(this, nanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProtocolException(from + "->" + to + " link interrupted", e);
            }
        }
    }

    private final class Endpoint implements Transport {
        private final Role self;
        private final TrafficCounter traffic = new TrafficCounter();

        Endpoint(Role self) {
            this.self = self;
        }

        @Override
        public Role self() {
            return self;
        }

        @Override
        public void send(Role to, Tag tag, Ring128Tensor tensor) {
            Ring128Tensor copy = Ring128Tensor.wrap(tensor.shape(), tensor.hiWords().clone(), tensor.loWords().clone());
            link(self, to).put(new Frame(tag, copy, null, false));
            traffic.record(to, Direction.SENT, tensor.size(), 16L * tensor.size());
        }

        @Override
        public Ring128Tensor receive(Role from, Tag expected) {
            return receive(from, expected, timeout);
        }

        /** The emulated link's round trip: twice its one-way delay (an idle link's; no frame queued counts). */
        @Override
        public java.util.concurrent.CompletableFuture<Duration> roundTrip(Role peer) {
            link(self, peer);
            long start = System.nanoTime();
            // answered on the delay's own timer thread: the common pool, where the ring kernels compute, may be busy
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> Duration.ofNanos(System.nanoTime() - start),
                    java.util.concurrent.CompletableFuture.delayedExecutor(2 * oneWayNanos, TimeUnit.NANOSECONDS, Runnable::run));
        }

        @Override
        public Ring128Tensor receive(Role from, Tag expected, Duration limit) {
            long start = System.nanoTime();
            Frame f = link(from, self).take(expected, limit);
            traffic.recordWait(from, System.nanoTime() - start);
            if (f.tensor == null) {
                throw new ProtocolException(self + " expected a tensor for " + expected + " from " + from + " but got bytes");
            }
            traffic.record(from, Direction.RECEIVED, f.tensor.size(), f.size());
            return f.tensor;
        }

        @Override
        public void sendBytes(Role to, Tag tag, byte[] payload) {
            link(self, to).put(new Frame(tag, null, payload.clone(), false));
            traffic.record(to, Direction.SENT, 0, payload.length);
        }

        @Override
        public byte[] receiveBytes(Role from, Tag expected) {
            return receiveBytes(from, expected, timeout);
        }

        @Override
        public byte[] receiveBytes(Role from, Tag expected, Duration limit) {
            long start = System.nanoTime();
            Frame f = link(from, self).take(expected, limit);
            traffic.recordWait(from, System.nanoTime() - start);
            if (f.bytes == null) {
                throw new ProtocolException(self + " expected bytes for " + expected + " from " + from + " but got a tensor");
            }
            traffic.record(from, Direction.RECEIVED, 0, f.size());
            return f.bytes;
        }

        @Override
        public TrafficCounter traffic() {
            return traffic;
        }

        @Override
        public void close() {
            for (Link l : links.get(self).values()) {
                synchronized (l) {
                    l.frames.addLast(new Frame(null, null, null, true));
                    l.notifyAll();
                }
            }
        }

        private Link link(Role from, Role to) {
            Link l = links.get(from).get(to);
            if (l == null) {
                throw new IllegalArgumentException(from.equals(to) ? self + " cannot send to itself"
                        : "this network has no participant " + (links.containsKey(to) ? from : to));
            }
            return l;
        }
    }
}
