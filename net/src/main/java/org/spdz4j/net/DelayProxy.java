package org.spdz4j.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback that makes a link look like a WAN: every byte is delivered a one-way
 * delay later, and each direction carries at most a given bandwidth (bytes leave in order, each
 * chunk taking its size over the bandwidth, then the delay). TLS passes through untouched (the
 * proxy sees only ciphertext), so participants configured to dial the proxy's address instead of
 * their peer's run as across a WAN, without root or netem. A direction that holds more than 64 MiB
 * in flight stops reading its source until it drains, so TCP pushes back as a slow link would.
 * It counts, each way, the bytes it carried and the time its bandwidth kept the link busy sending
 * them ({@link #towardTarget()}, {@link #fromTarget()}): the transfer part of a run's time.
 *
 * <pre>{@code
 * try (DelayProxy wan = DelayProxy.start(new InetSocketAddress("127.0.0.1", 7100), Duration.ofMillis(25), 100_000_000)) {
 *     // dial wan.address() instead of 127.0.0.1:7100: 50 ms round trip, 100 Mbit/s each way
 * }
 * }</pre>
 */
public final class DelayProxy implements AutoCloseable {
    private static final long HIGH_BYTES = 64L << 20;
    private static final long LOW_BYTES = 32L << 20;

    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel server;
    private final InetSocketAddress target;
    private final long delayNanos;
    private final long bitsPerSecond;
    private final Traffic towardTarget = new Traffic();
    private final Traffic fromTarget = new Traffic();
    private final ChannelGroup carried = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE); // both ends of every connection

    /** One direction's load so far: the bytes carried and the time the bandwidth kept the link busy with them. */
    public static final class Traffic {
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicLong busyNanos = new AtomicLong();

        private Traffic() {
        }

        /** Bytes carried this way (TLS records included). */
        public long bytes() {
            return bytes.get();
        }

        /** The time sending them took at the link's bandwidth (zero without a limit), waits between them excluded. */
        public Duration busy() {
            return Duration.ofNanos(busyNanos.get());
        }
    }

    private DelayProxy(InetSocketAddress target, Duration oneWay, long bitsPerSecond) {
        if (oneWay.isNegative() || bitsPerSecond < 0) {
            throw new IllegalArgumentException("a delay and a bandwidth are not negative, got " + oneWay + " and "
                    + bitsPerSecond);
        }
        this.target = target;
        this.delayNanos = oneWay.toNanos();
        this.bitsPerSecond = bitsPerSecond;
        ServerBootstrap sb = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true).childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel inbound) {
                        carried.add(inbound);
                        inbound.pipeline().addLast("wan", new Forward());
                    }
                });
        this.server = sb.bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    /**
     * A proxy to {@code target} listening on a free loopback port: {@code oneWay} added to every
     * byte in each direction, {@code bitsPerSecond} the most each direction carries (0: no limit).
     */
    public static DelayProxy start(InetSocketAddress target, Duration oneWay, long bitsPerSecond) {
        return new DelayProxy(target, oneWay, bitsPerSecond);
    }

    /** Where to dial instead of the target. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** What the dialling side has sent the target through this proxy, over all its connections. */
    public Traffic towardTarget() {
        return towardTarget;
    }

    /** What the target has sent back through this proxy, over all its connections. */
    public Traffic fromTarget() {
        return fromTarget;
    }

    /**
     * Drops every connection it carries now, both ends at once, what is in flight lost: a blip
     * of the WAN. It keeps listening, so whoever dials again gets through.
     */
    public void cut() {
        carried.close().syncUninterruptibly();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The accepted side: connects to the target, then pipes each direction through a {@link Link}. */
    private final class Forward extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel inbound = ctx.channel();
            new Bootstrap().group(inbound.eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(target).addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            inbound.close(); // the dialler sees a closed connection, as if the target were down
                            return;
                        }
                        Channel outbound = f.channel();
                        carried.add(outbound);
                        inbound.pipeline().replace(this, "wan", new Link(outbound, towardTarget));
                        outbound.pipeline().addLast("wan", new Link(inbound, fromTarget));
                        inbound.config().setAutoRead(true);
                        outbound.config().setAutoRead(true);
                    });
        }
    }

    /** One direction: what its channel reads reaches {@code to} after the link's serialisation and delay, in order. */
    private final class Link extends ChannelInboundHandlerAdapter {
        private record Chunk(ByteBuf bytes, long arrival) {
        }

        private final Channel to;
        private final Traffic traffic;
        private final java.util.ArrayDeque<Chunk> queue = new java.util.ArrayDeque<>(); // in arrival order
        private boolean draining; // a drain is scheduled
        private boolean closing;  // the source closed: close the other side once the queue is written
        private long freeAt;      // when the link has sent everything queued so far (nanoTime)
        private long lastArrival;
        private long inFlight;    // bytes read and not yet written
        private ChannelHandlerContext source;

        Link(Channel to, Traffic traffic) {
            this.to = to;
            this.traffic = traffic;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            source = ctx;
            int bytes = buf.readableBytes();
            long now = System.nanoTime();
            long start = Math.max(now, freeAt);
            long sending = bitsPerSecond == 0 ? 0 : bytes * 8L * 1_000_000_000L / bitsPerSecond;
            freeAt = start + sending;
            traffic.bytes.addAndGet(bytes);
            traffic.busyNanos.addAndGet(sending);
            lastArrival = Math.max(lastArrival, freeAt + delayNanos);
            inFlight += bytes;
            queue.addLast(new Chunk(buf, lastArrival));
            if (!draining) {
                drain();
            }
            if (inFlight > HIGH_BYTES) {
                ctx.channel().config().setAutoRead(false); // TCP pushes back on the sender until the link drains
            }
        }

        /** Writes every chunk whose time has come, in order, and schedules the next; one drain at a time keeps the order. */
        private void drain() {
            draining = false;
            long now = System.nanoTime();
            boolean wrote = false;
            while (!queue.isEmpty() && queue.peekFirst().arrival() <= now) {
                Chunk c = queue.pollFirst();
                int bytes = c.bytes().readableBytes();
                to.write(c.bytes()).addListener(w -> {
                    inFlight -= bytes;
                    if (inFlight < LOW_BYTES && source != null && !source.channel().config().isAutoRead()) {
                        source.channel().config().setAutoRead(true);
                    }
                });
                wrote = true;
            }
            if (wrote) {
                to.flush();
            }
            if (!queue.isEmpty()) {
                draining = true;
                to.eventLoop().schedule(this::drain, queue.peekFirst().arrival() - now, TimeUnit.NANOSECONDS);
            } else if (closing) {
                to.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closing = true; // the other side closes once what is in flight has arrived
            if (!draining) {
                drain();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset on one side ends the link, as it would end a real one
        }
    }
}
