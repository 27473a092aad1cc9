package org.spdz4j.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Topology;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Transport} over TCP with Netty, optionally TLS 1.3 with mutual authentication and
 * pinned certificates. Each participant connects to its peers in the {@link Topology} (it dials
 * those ranked below it, e.g. P1 to P0, the dealer to both, and accepts the others); both ends
 * open with a HELLO naming protocol version and role, and with TLS the role must match the
 * certificate pinned for it.
 *
 * <pre>{@code
 * Map<Role, InetSocketAddress> at = Map.of(Role.P0, new InetSocketAddress("10.0.0.1", 7000), ...);
 * try (NettyTransport t = NettyTransport.connect(Role.P1, at, tlsIdentity, Duration.ofSeconds(60))) {
 *     ...
 * }
 * }</pre>
 */
public final class NettyTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    /** Largest byte message one frame carries; the receiver's decoder refuses longer frames. */
    public static final int MAX_BYTES_PAYLOAD = Frames.MAX_FRAME_BYTES - Frames.HEADER_BYTES;

    /** Largest tensor a peer may announce (2^27 elements) unless {@link #limitTensorElements} lowers it. */
    public static final long MAX_TENSOR_ELEMENTS = 1L << 27;
    /** Received but unread bytes from one peer above which reading from it pauses (TCP pushes back). */
    static final long INBOX_HIGH_BYTES = 256L << 20;
    static final long INBOX_LOW_BYTES = 128L << 20;

    private final Role self;
    private final Topology topology;
    private final List<Role> expected;
    private final Duration timeout;
    private final TlsIdentity tls;
    private final EventLoopGroup group = new NioEventLoopGroup(2);
    private final Map<Role, Channel> peers = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Long, Ping> pings = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong pingNonces = new AtomicLong();
    private final Map<Role, BlockingQueue<Inbound.Event>> inboxes = new HashMap<>();
    private final Map<Role, AtomicLong> inboxBytes = new HashMap<>();
    private final BlockingQueue<Inbound.Event> setup = new LinkedBlockingQueue<>();
    private final TrafficCounter traffic = new TrafficCounter();
    private final AtomicLong wireBytesSent = new AtomicLong();
    private final Map<Channel, ChannelFuture> lastWrite = new java.util.concurrent.ConcurrentHashMap<>();
    private final Strays strays;
    /** When each peer's connection ended, and why: so a survivor names the participant whose failure came first. */
    private final Map<Role, Ended> ended = new java.util.concurrent.ConcurrentHashMap<>();

    private record Ended(long nanos, String why) {
    }
    private final AtomicLong maxTensorElements = new AtomicLong(MAX_TENSOR_ELEMENTS);
    private final Map<Role, SslContext> clientSsl = new java.util.concurrent.ConcurrentHashMap<>();
    private SslContext serverSsl;
    private Channel server;
    private volatile boolean connected;
    private volatile boolean closing;
    /** How many times each peer has connected (see {@link #joins}). */
    private final Map<Role, Integer> joins = new java.util.concurrent.ConcurrentHashMap<>();

    private NettyTransport(Role self, Topology topology, TlsIdentity tls, Duration timeout) {
        this.self = self;
        this.topology = topology;
        this.expected = topology.peersOf(self);
        this.tls = tls;
        this.timeout = timeout;
        this.strays = new Strays(self);
        for (Role r : expected) {
            inboxes.put(r, new LinkedBlockingQueue<>());
            inboxBytes.put(r, new AtomicLong());
        }
    }

    /**
     * Connects {@code self} to P0, P1 and the dealer at {@code endpoints} (its own entry is where
     * it listens), waiting up to {@code timeout} for all of them.
     *
     * @param tls null for plain TCP (tests and trusted networks only)
     */
    public static NettyTransport connect(Role self, Map<Role, InetSocketAddress> endpoints, TlsIdentity tls,
                                         Duration timeout) {
        return connect(self, Topology.of(endpoints), tls, timeout);
    }

    /**
     * Connects {@code self} to its peers in {@code topology}: it dials those it
     * {@linkplain Topology#dials dials} and accepts the others, waiting up to {@code timeout}
     * for all of them. With TLS each peer must present the certificate pinned for its role.
     *
     * @param tls null for plain TCP (tests and trusted networks only)
     */
    public static NettyTransport connect(Role self, Topology topology, TlsIdentity tls, Duration timeout) {
        return connect(self, topology, tls, timeout, timeout);
    }

    /**
     * As {@link #connect(Role, Topology, TlsIdentity, Duration)}, waiting for the optional peers
     * at most {@code optionalWindow} once every required one is in (a prediction server's session
     * starts with the clients that came within a short window, not after the whole timeout).
     */
    public static NettyTransport connect(Role self, Topology topology, TlsIdentity tls, Duration timeout,
                                         Duration optionalWindow) {
        NettyTransport t = new NettyTransport(self, topology, tls, timeout);
        try {
            t.start(optionalWindow);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private void start(Duration optionalWindow) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long optionalDeadline = Long.MAX_VALUE; // set once every required peer is in
        boolean accepts = topology.listens(self);
        InetSocketAddress listenAt = topology.participant(self).address();
        if (accepts) {
            serverSsl = tls == null ? null : tls.serverContext();
            ServerBootstrap sb = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true) // a restarted participant takes its port back at once
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 8 << 20))
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(initializer(true, null));
            try {
                server = sb.bind(listenAt).sync().channel();
            } catch (Exception e) {
                throw new ProtocolException(self + " cannot listen on " + listenAt + ": " + e.getMessage(), e);
            }
        }
        for (Role r : expected) {
            if (topology.dials(self, r) && topology.optional(r)) { // one that does not come must not hold up the others
                Thread dialing = new Thread(() -> {
                    try {
                        dial(r, topology.participant(r).address(), deadline);
                    } catch (ProtocolException absent) {
                        LOG.warn("{}: optional {} not reached: {}", self, r, absent.getMessage());
                    }
                }, "spdz-dial-" + r);
                dialing.setDaemon(true);
                dialing.start();
            } else if (topology.dials(self, r)) {
                dial(r, topology.participant(r).address(), deadline);
            }
        }
        while (peers.size() < expected.size()) {
            if (optionalDeadline == Long.MAX_VALUE && missingRequired().isEmpty()) {
                optionalDeadline = System.nanoTime() + optionalWindow.toNanos();
            }
            long left = Math.min(deadline, optionalDeadline) - System.nanoTime();
            Inbound.Event e;
            try {
                e = left <= 0 ? null : setup.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new ProtocolException(self + " interrupted while connecting", ie);
            }
            if (e == null && missingRequired().isEmpty()) {
                break; // the setup window is over: the optional peers that did not come are left out
            }
            if (e == null) {
                throw new ProtocolException(self + " timed out after " + timeout.toSeconds() + " s waiting for "
                        + missing() + " to connect" + (accepts ? " on " + listenAt : "") + strays.summary());
            }
            Role dialed = e instanceof Inbound.Hello h ? h.ctx().channel().attr(Attributes.DIALED).get()
                    : ((Inbound.Failure) e).channel().attr(Attributes.DIALED).get();
            try {
                if (e instanceof Inbound.Failure f) {
                    throw new ProtocolException(f.why());
                }
                register((Inbound.Hello) e);
            } catch (ProtocolException refused) {
                if (dialed != null && topology.optional(dialed)) {
                    LOG.warn("{}: optional {} refused: {}", self, dialed, refused.getMessage());
                } else if (dialed != null) { // a connection this side opened to a configured peer: a real error
                    throw new ProtocolException(self + " could not connect to " + dialed + " at "
                            + topology.participant(dialed).address() + ": " + refused.getMessage(), refused);
                }
                strays.dropped(refused.getMessage()); // anyone may knock: the real peers are still awaited
            }
        }
        connected = true;
        if (!absent().isEmpty()) {
            if (optionalWindow.equals(timeout)) {
                LOG.warn("{} starts without {}: optional, not connected within {} s", self, absent(), timeout.toSeconds());
            } else { // a short window by design (a prediction session): who did not come is no news
                LOG.debug("{} starts without {}", self, absent());
            }
        }
        List<Role> latecomers = topology.lateJoins() ? expected.stream().filter(topology::optional).toList() : List.of();
        if (server != null && latecomers.stream().anyMatch(r -> !topology.dials(self, r))) {
            LOG.info("{} keeps listening on {} for optional peers that join late or come back", self, listenAt);
        } else if (server != null) {
            server.close().awaitUninterruptibly(timeout.toMillis()); // every peer is in: nobody else gets to connect
            LOG.info("{} has all its peers; stopped listening on {}", self, listenAt);
        }
        List<Role> dialled = latecomers.stream().filter(r -> topology.dials(self, r)).toList();
        if (!dialled.isEmpty()) {
            Thread keeper = new Thread(() -> keepDialling(dialled), "spdz-late-dial-" + self);
            keeper.setDaemon(true);
            keeper.start();
        }
    }

    /**
     * After setup, for a topology with late joins: dials each optional peer this side dials
     * whenever it is not connected (never came, or its connection ended), about once a second,
     * until this transport closes. A connection that completes is judged in {@link #deliver}.
     */
    private void keepDialling(List<Role> roles) {
        while (!closing) {
            for (Role r : roles) {
                Channel ch = peers.get(r);
                if (closing || (ch != null && ch.isActive())) {
                    continue;
                }
                ChannelFuture f = bootstrap(r).connect(topology.participant(r).address()).awaitUninterruptibly();
                if (f.isSuccess()) { // give its hello a moment to arrive before dialling again
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (!closing && f.channel().isActive() && peers.get(r) != f.channel() && System.nanoTime() < until) {
                        pause(50);
                    }
                }
            }
            pause(1000);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a hello from {@code role} after setup may take that role's place: an optional peer not connected now. */
    private boolean admitsLate(Role role) {
        if (!topology.lateJoins() || !topology.optional(role) || !expected.contains(role) || closing) {
            return false;
        }
        Channel ch = peers.get(role);
        return ch == null || !ch.isActive() || ended.containsKey(role);
    }

    /** Takes a late or returning optional peer's connection: its old inbox and end are forgotten. */
    private void admit(Inbound.Hello h) {
        Channel ch = h.ctx().channel();
        Role role = h.role();
        Channel old = peers.get(role);
        inboxes.get(role).clear();
        inboxBytes.get(role).set(0);
        ended.remove(role);
        peers.put(role, ch);
        int n = joins.merge(role, 1, Integer::sum);
        LOG.info("{}: {} {} at {}", self, role, n == 1 ? "joined late" : "connected again (connection " + n + ")",
                ch.remoteAddress());
        if (old != null) {
            old.close();
        }
    }

    /**
     * Limits the tensors a peer may send from now on to {@code elements} (the most a plan
     * allows in one message); a larger announcement fails that connection before anything is
     * allocated.
     */
    public void limitTensorElements(long elements) {
        if (elements < 1 || elements > MAX_TENSOR_ELEMENTS) {
            throw new IllegalArgumentException("tensor limit " + elements + " outside 1.." + MAX_TENSOR_ELEMENTS);
        }
        maxTensorElements.set(elements);
    }

    private String missing() {
        StringBuilder b = new StringBuilder();
        for (Role r : expected) {
            if (!peers.containsKey(r)) {
                b.append(b.length() == 0 ? "" : " and ").append(r);
            }
        }
        return b.toString();
    }

    /**
     * Why a HELLO cannot be taken (null if it can): the role must be one of this participant's
     * peers and, with TLS, the certificate the one pinned for that role. Checked on the event
     * loop before anything from the connection is delivered.
     */
    private String refusal(Inbound.Hello h) {
        Channel ch = h.ctx().channel();
        if (!this.expected.contains(h.role())) {
            return "a connection from " + ch.remoteAddress() + " claimed to be " + h.role() + ", which is not a peer of "
                    + self + " in the topology (" + this.expected + ")";
        }
        Role dialed = ch.attr(Attributes.DIALED).get();
        if (dialed != null && !dialed.equals(h.role())) {
            return "the peer at the address of " + dialed + " says it is " + h.role();
        }
        if (tls != null) {
            String fingerprint = TlsIdentity.fingerprint(peerCertificate(ch));
            if (!fingerprint.equals(tls.pinned().get(h.role()))) {
                return "a connection from " + ch.remoteAddress() + " claimed to be " + h.role() + " with certificate "
                        + fingerprint + ", which is not the one pinned for " + h.role();
            }
        }
        return null;
    }

    private void register(Inbound.Hello h) {
        Channel ch = h.ctx().channel();
        if (peers.containsKey(h.role())) {
            ch.close();
            throw new ProtocolException("a connection from " + ch.remoteAddress() + " claimed to be " + h.role()
                    + ", which is connected already");
        }
        peers.put(h.role(), ch);
        joins.merge(h.role(), 1, Integer::sum);
        LOG.info("{} connected to {} at {}{}", self, h.role(), ch.remoteAddress(), tls != null ? " (mutual TLS, " + TlsIdentity.engine() + ")" : " (plain TCP)");
    }

    /**
     * When the peer ended a TLS handshake with a certificate alert (or BoringSSL's internal error,
     * what its trust manager's refusal becomes): the peer refused this side's certificate. The
     * refusing side names the presented and the pinned fingerprint; this side names its own, so
     * both logs show what to compare. Empty for any other failure.
     */
    String refusedHint(Throwable cause) {
        String m = String.valueOf(Inbound.root(cause).getMessage()).toUpperCase(java.util.Locale.ROOT);
        boolean refused = m.contains("ALERT") && (m.contains("CERTIFICATE") || m.contains("INTERNAL_ERROR")
                || m.contains("INTERNAL ERROR") || m.contains("HANDSHAKE_FAILURE"));
        if (tls == null || !refused) {
            return "";
        }
        return "; the peer refused this side's certificate " + TlsIdentity.fingerprint(tls.certificate()) + " (" + self
                + "): its run.yaml must pin that fingerprint for " + self + " (its log names the one it pins)";
    }

    private static X509Certificate peerCertificate(Channel ch) {
        try {
            return (X509Certificate) ch.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates()[0];
        } catch (Exception e) {
            throw new ProtocolException("no peer certificate on a TLS connection: " + e.getMessage(), e);
        }
    }

    private Bootstrap bootstrap(Role peer) {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 8 << 20))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
                .handler(initializer(false, peer));
    }

    private void dial(Role peer, InetSocketAddress at, long deadline) {
        Bootstrap b = bootstrap(peer);
        Exception last = null;
        long pause = 100;
        boolean told = false;
        while (System.nanoTime() < deadline) {
            ChannelFuture f = b.connect(at).awaitUninterruptibly();
            if (f.isSuccess()) {
                if (tls == null) {
                    return;
                }
                // a connection closed or reset before its TLS handshake ends (a proxy whose target is not up, a
                // restarting peer) is dialled again; a completed or refused handshake is the setup's to judge.
                // A channel closed already has lost its handlers: that is such a close too.
                SslHandler ssl = f.channel().pipeline().get(SslHandler.class);
                Throwable cause;
                if (ssl == null) {
                    cause = new java.nio.channels.ClosedChannelException();
                } else {
                    io.netty.util.concurrent.Future<Channel> handshake = ssl.handshakeFuture();
                    handshake.awaitUninterruptibly(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    if (!handshake.isDone() || handshake.isSuccess() || !closedDuringHandshake(handshake.cause())) {
                        return;
                    }
                    cause = handshake.cause();
                }
                last = new ProtocolException(Inbound.describe(cause));
                if (!told) {
                    LOG.warn("{}: the connection to {} at {} ended during the TLS handshake ({}); dialling again until "
                            + "the setup window ends", self, peer, at, Inbound.describe(cause));
                    told = true;
                }
            } else {
                last = (Exception) f.cause();
            }
            sleep(pause); // the peer may not listen yet
            pause = Math.min(2000, pause * 2);
        }
        throw new ProtocolException(self + " timed out after " + timeout.toSeconds() + " s connecting to " + peer
                + " at " + at + (last != null ? ": " + last.getMessage() : ""));
    }

    /**
     * Whether a failed TLS handshake ended because the connection closed or was reset, not because
     * a side refused the other (an alert): worth dialling again.
     */
    static boolean closedDuringHandshake(Throwable cause) {
        Throwable root = Inbound.root(cause);
        String m = String.valueOf(root.getMessage()).toLowerCase(java.util.Locale.ROOT)
                + " " + String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (m.contains("alert") || m.contains("certificate")) {
            return false;
        }
        return root instanceof java.nio.channels.ClosedChannelException || m.contains("closed") || m.contains("reset")
                || m.contains("broken pipe");
    }

    private ChannelInitializer<SocketChannel> initializer(boolean server, Role dialed) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.attr(Attributes.DIALED).set(dialed);
                SslHandler ssl = tls == null ? null : (server ? serverSsl
                        : clientSsl.computeIfAbsent(dialed, tls::clientContext)).newHandler(ch.alloc());
                if (ssl != null) {
                    ch.pipeline().addLast("tls", ssl);
                } else {
                    ch.pipeline().addLast("tls-sniffer", new PlainSniffer());
                }
                // greet once connected: a refused dial attempt (peer not listening yet) is no failure
                ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                        if (ssl == null) {
                            hello(ch);
                        } else {
                            ssl.handshakeFuture().addListener(f -> {
                                if (f.isSuccess()) {
                                    hello(ch);
                                } else if (!server && closedDuringHandshake(f.cause())) {
                                    ch.attr(Attributes.REDIALLED).set(true);
                                    ch.close(); // the dialler tries again (dial)
                                } else if (connected) { // after setup (a listener kept for late joins): a stray
                                    strays.dropped("TLS handshake with " + ch.remoteAddress() + " failed: "
                                            + Inbound.describe(f.cause()));
                                    ch.close();
                                } else {
                                    setup.add(new Inbound.Failure(dialed, "TLS handshake with " + ch.remoteAddress()
                                            + " failed: " + Inbound.describe(f.cause()) + refusedHint(f.cause()), ch));
                                }
                            });
                        }
                        ctx.fireChannelActive();
                    }
                });
                ch.pipeline().addLast("frames", new LengthFieldBasedFrameDecoder(Frames.MAX_FRAME_BYTES + 4, 0, 4, 0, 4));
                ch.pipeline().addLast("inbound", new Inbound(NettyTransport.this::deliver, maxTensorElements,
                        NettyTransport.this::refusedHint));
            }
        };
    }

    private void hello(Channel ch) {
        ch.writeAndFlush(Frames.hello(ch.alloc(), self));
    }

    private void deliver(Inbound.Event e) {
        if (e instanceof Inbound.Pong p) {
            Ping sent = pings.remove(p.nonce());
            if (sent != null && sent.to().equals(p.from())) {
                sent.done().complete(Duration.ofNanos(p.at() - sent.at()));
            }
            return;
        }
        Channel from = e instanceof Inbound.Hello h ? h.ctx().channel()
                : e instanceof Inbound.Message m ? m.channel() : ((Inbound.Failure) e).channel();
        if (Boolean.TRUE.equals(from.attr(Attributes.REJECTED).get())
                || Boolean.TRUE.equals(from.attr(Attributes.REDIALLED).get())) {
            return; // what a refused connection still had in flight; the end of one dialled again
        }
        if (e instanceof Inbound.Hello h && !connected) {
            String refused = refusal(h);
            if (refused != null) {
                from.attr(Attributes.REJECTED).set(true);
                from.close();
                Role dialed = from.attr(Attributes.DIALED).get();
                if (dialed != null) {
                    setup.add(new Inbound.Failure(dialed, refused, from));
                } else {
                    strays.dropped(refused);
                }
                return;
            }
        }
        if (e instanceof Inbound.Hello h && connected && admitsLate(h.role())) {
            String refused = refusal(h);
            if (refused == null) {
                admit(h);
            } else {
                from.attr(Attributes.REJECTED).set(true);
                strays.dropped(refused);
                h.ctx().close();
            }
        } else if (e instanceof Inbound.Hello h && connected) {
            strays.dropped("an extra connection from " + h.ctx().channel().remoteAddress() + " claimed to be " + h.role());
            h.ctx().close();
        } else if (e instanceof Inbound.Hello) {
            setup.add(e);
        } else if (e instanceof Inbound.Message m) {
            if (!fromRegistered(m.from(), m.channel())) {
                return;
            }
            inboxes.get(m.from()).add(m);
            if (inboxBytes.get(m.from()).addAndGet(size(m)) > INBOX_HIGH_BYTES) {
                Channel ch = peers.get(m.from());
                if (ch != null) {
                    ch.config().setAutoRead(false); // the reader is far behind: let TCP hold the sender
                }
            }
        } else if (e instanceof Inbound.Failure f) {
            if (f.from() != null && !fromRegistered(f.from(), f.channel())) {
                return;
            }
            if (connected && (f.from() == null || !peers.containsValue(f.channel()))) {
                strays.dropped(f.why()); // a stray connection after setup: nobody waits for it
                return;
            }
            if (f.from() == null || !inboxes.containsKey(f.from())) {
                setup.add(f);
            } else {
                ended.putIfAbsent(f.from(), new Ended(System.nanoTime(), f.why()));
                inboxes.get(f.from()).add(f);
            }
        }
    }

    /**
     * Whether an event claiming to come from {@code role} came over that role's connection. Before
     * the role is registered (during setup) its first connection is taken at its word; a second
     * one claiming the same role fails the setup in {@link #register}.
     */
    private boolean fromRegistered(Role role, Channel channel) {
        Channel registered = peers.get(role);
        if (registered == null || registered == channel) {
            return true;
        }
        channel.close();
        return false;
    }

    @Override
    public Role self() {
        return self;
    }

    @Override
    public void send(Role to, Tag tag, Ring128Tensor tensor) {
        Channel ch = channel(to, tag);
        ChannelFuture last = write(ch, Frames.tensorHeader(ch.alloc(), tag, tensor.shape()));
        for (int first = 0; first < tensor.size(); first += Frames.CHUNK_ELEMENTS) {
            int count = Math.min(Frames.CHUNK_ELEMENTS, tensor.size() - first);
            last = write(ch, Frames.chunk(ch.alloc(), tag, tensor, first, count));
            if (!ch.isWritable()) {
                ch.flush();
                await(last, to, tag); // bounded memory: let the socket drain before the next chunk
            }
        }
        ch.flush();
        traffic.record(to, Direction.SENT, tensor.size(), 16L * tensor.size());
    }

    /** A PING sent {@code at} (nanoTime) to {@code to}, completing {@code done} when its PONG arrives. */
    private record Ping(Role to, long at, CompletableFuture<Duration> done) {
    }

    /** A PING the peer's transport answers as it arrives (see {@link Inbound}): the link's round trip alone. */
    @Override
    public CompletableFuture<Duration> roundTrip(Role peer) {
        Channel ch = channel(peer, new Tag(Tag.Kind.HANDSHAKE, 0, 0));
        long nonce = pingNonces.incrementAndGet();
        CompletableFuture<Duration> done = new CompletableFuture<>();
        pings.put(nonce, new Ping(peer, System.nanoTime(), done));
        write(ch, Frames.ping(ch.alloc(), nonce, false));
        ch.flush();
        return done;
    }

    @Override
    public void sendBytes(Role to, Tag tag, byte[] payload) {
        if (payload.length > MAX_BYTES_PAYLOAD) {
            throw new IllegalArgumentException("a byte message of " + payload.length + " bytes to " + to + " for " + tag
                    + " exceeds one frame (" + MAX_BYTES_PAYLOAD + " bytes): send it in pieces");
        }
        Channel ch = channel(to, tag);
        ByteBuf b = Frames.header(ch.alloc(), Frames.BYTES, tag, payload.length);
        b.writeBytes(payload);
        write(ch, b);
        ch.flush();
        traffic.record(to, Direction.SENT, 0, payload.length);
    }

    private ChannelFuture write(Channel ch, ByteBuf b) {
        wireBytesSent.addAndGet(b.readableBytes());
        ChannelFuture f = ch.write(b);
        lastWrite.put(ch, f);
        return f;
    }

    private void await(ChannelFuture f, Role to, Tag tag) {
        if (!f.awaitUninterruptibly(timeout.toMillis())) {
            throw new ProtocolException(self + " timed out after " + timeout.toSeconds() + " s sending " + tag + " to " + to);
        }
        if (!f.isSuccess() && !f.channel().isActive()) {
            throw closedBy(to, tag); // the peer went away while this was being written
        }
        if (!f.isSuccess()) {
            throw new ProtocolException(self + " could not send " + tag + " to " + to + ": " + f.cause().getMessage());
        }
    }

    /**
     * Blame: when another peer's connection ended before {@code from}'s (or while this one waited
     * for {@code from}), that peer is where the failure began, and the message says so.
     */
    private String firstEnded(Role from) {
        Ended mine = ended.get(from);
        Map.Entry<Role, Ended> first = null;
        for (Map.Entry<Role, Ended> e : ended.entrySet()) {
            if (!e.getKey().equals(from) && (mine == null || e.getValue().nanos() < mine.nanos())
                    && (first == null || e.getValue().nanos() < first.getValue().nanos())) {
                first = e;
            }
        }
        if (first == null) {
            return "";
        }
        double earlier = ((mine == null ? System.nanoTime() : mine.nanos()) - first.getValue().nanos()) / 1e9;
        return String.format(java.util.Locale.ROOT, "; %s's connection had ended %.1f s %s (%s): the failure began at %s",
                first.getKey(), earlier, mine == null ? "ago" : "earlier", first.getValue().why(), first.getKey());
    }

    private ProtocolException closedBy(Role to, Tag tag) {
        return new ProtocolException(to + " closed the connection before " + self + " sent " + tag + firstEnded(to));
    }

    /**
     * The optional peers that did not connect within the setup window, nor later where the
     * topology admits late joins: left out (see {@link Topology#withOptional}).
     */
    @Override
    public java.util.Set<Role> absent() {
        if (!connected) {
            return java.util.Set.of();
        }
        java.util.Set<Role> out = new java.util.TreeSet<>(expected);
        out.removeAll(peers.keySet());
        return out;
    }

    /** How long a participant that fails after a peer's connection ended keeps its other links open. */
    static final Duration LINGER = Duration.ofMillis(500);

    /**
     * When a peer's connection has ended: waits {@link #LINGER} before this side closes its other
     * links, so the remaining participants see that first end first and name it, not this side's
     * (a survivor that exits at once can close its links before the others' transports noticed
     * the real failure). Called on the way out of a failed run.
     */
    void lingerAfterAPeersEnd() {
        if (!ended.isEmpty() && !closing) {
            pause(LINGER.toMillis());
        }
    }

    @Override
    public int joins(Role peer) {
        return joins.getOrDefault(peer, 0);
    }

    /** The required peers not connected yet. */
    private List<Role> missingRequired() {
        return expected.stream().filter(r -> !topology.optional(r) && !peers.containsKey(r)).toList();
    }

    private Channel channel(Role to, Tag tag) {
        Channel ch = peers.get(to);
        if (ch == null && expected.contains(to)) {
            throw new ProtocolException(to + " did not connect within " + self + "'s setup window: it is left out of the run");
        }
        if (ch == null) {
            throw new IllegalArgumentException(self + " has no connection to " + to);
        }
        if (!ch.isActive()) {
            throw closedBy(to, tag);
        }
        return ch;
    }

    @Override
    public Ring128Tensor receive(Role from, Tag expected) {
        return receive(from, expected, timeout);
    }

    @Override
    public Ring128Tensor receive(Role from, Tag expected, Duration limit) {
        Inbound.Message m = take(from, expected, limit);
        if (m.tensor() == null) {
            throw new ProtocolException(self + " expected a tensor for " + expected + " from " + from + " but got bytes");
        }
        traffic.record(from, Direction.RECEIVED, m.tensor().size(), 16L * m.tensor().size());
        return m.tensor();
    }

    @Override
    public byte[] receiveBytes(Role from, Tag expected) {
        return receiveBytes(from, expected, timeout);
    }

    @Override
    public byte[] receiveBytes(Role from, Tag expected, Duration limit) {
        Inbound.Message m = take(from, expected, limit);
        if (m.bytes() == null) {
            throw new ProtocolException(self + " expected bytes for " + expected + " from " + from + " but got a tensor");
        }
        traffic.record(from, Direction.RECEIVED, 0, m.bytes().length);
        return m.bytes();
    }

    private Inbound.Message take(Role from, Tag expected, Duration limit) {
        BlockingQueue<Inbound.Event> inbox = inboxes.get(from);
        if (inbox == null) {
            throw new IllegalArgumentException(self + " cannot receive from itself");
        }
        Inbound.Event e;
        long start = System.nanoTime();
        try {
            e = inbox.poll(limit.toNanos(), TimeUnit.NANOSECONDS);
            traffic.recordWait(from, System.nanoTime() - start);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(self + " interrupted while waiting for " + expected + " from " + from, ie);
        }
        if (e == null) {
            throw new ProtocolException(self + " timed out after " + limit.toSeconds() + " s waiting for " + expected
                    + " from " + from + firstEnded(from));
        }
        if (e instanceof Inbound.Failure f) {
            inbox.add(f); // every later receive fails the same way
            throw new ProtocolException(f.why() + " while " + self + " waited for " + expected + " from " + from
                    + firstEnded(from));
        }
        Inbound.Message m = (Inbound.Message) e;
        if (inboxBytes.get(from).addAndGet(-size(m)) < INBOX_LOW_BYTES) {
            Channel ch = peers.get(from);
            if (ch != null && !ch.config().isAutoRead()) {
                ch.config().setAutoRead(true);
            }
        }
        if (!m.tag().equals(expected)) {
            throw new ProtocolException(self + " expected " + expected + " from " + from + " but received " + m.tag()
                    + ": the parties are out of step");
        }
        return m;
    }

    private static long size(Inbound.Message m) {
        return m.tensor() != null ? 16L * m.tensor().size() : m.bytes().length;
    }

    @Override
    public TrafficCounter traffic() {
        return traffic;
    }

    /**
     * Waits until both peers have closed their connections, e.g. a dealer that has sent
     * everything and must not cut off data still in flight.
     */
    public void awaitPeersClosed(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (Map.Entry<Role, Channel> e : peers.entrySet()) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!e.getValue().closeFuture().awaitUninterruptibly(TimeUnit.NANOSECONDS.toMillis(left))) {
                throw new ProtocolException(self + " timed out waiting for " + e.getKey() + " to finish");
            }
        }
    }

    /** Whether this participant still accepts connections (only while it waits for its peers). */
    boolean listening() {
        return server != null && server.isOpen();
    }

    /** Connections dropped because they were not a configured peer (scans, unpinned certificates, noise). */
    long strayConnections() {
        return strays.count();
    }

    /** Bytes written to sockets, frame headers included (before TLS). */
    public long wireBytesSent() {
        return wireBytesSent.get();
    }

    /**
     * Closes every link after what was sent has reached the socket (waiting at most the
     * timeout), so a peer reads everything this process sent before it sees the close.
     */
    @Override
    public void close() {
        closing = true;
        for (Channel ch : peers.values()) {
            ChannelFuture pending = lastWrite.get(ch);
            if (pending != null && ch.isActive()) {
                ch.flush();
                pending.awaitUninterruptibly(timeout.toMillis());
            }
            ch.close().awaitUninterruptibly(1000);
        }
        if (server != null) {
            server.close().awaitUninterruptibly(1000);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5000);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException("interrupted while connecting", e);
        }
    }
}
