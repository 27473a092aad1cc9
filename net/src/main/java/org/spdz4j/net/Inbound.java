package org.spdz4j.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.ring.WordSink;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;

/**
 * Turns the frames of one connection into messages: the first frame must be HELLO (naming the
 * peer's role), then BYTES and TENSOR + CHUNK frames; a PING is answered here at once, a PONG
 * handed on with the time it arrived. Anything malformed, oversized or out of
 * order fails the connection with a message naming the problem; the frame size is bounded by
 * the decoder and a tensor's size by {@code maxElements} before anything is allocated.
 */
final class Inbound extends ChannelInboundHandlerAdapter {
    /** What the transport gets from a connection. */
    sealed interface Event {
    }

    record Hello(Role role, ChannelHandlerContext ctx) implements Event {
    }

    record Message(Role from, Tag tag, Ring128Tensor tensor, byte[] bytes, Channel channel) implements Event {
    }

    record Failure(Role from, String why, Channel channel) implements Event {
    }

    /** The answer to a PING this transport sent, {@code at} the nanoTime it arrived. */
    record Pong(Role from, long nonce, long at, Channel channel) implements Event {
    }

    private final Consumer<Event> events;
    private final AtomicLong maxElements;
    private Role peer;
    private Tag tensorTag;
    private Shape tensorShape;
    private long[] hi;
    private long[] lo;
    private WordSink sink;   // where the backend keeps tensors in native memory: the words go there, not to hi and lo
    private int received;
    private boolean failed;

    private final java.util.function.Function<Throwable, String> hint; // what a failure may mean, for this participant

    Inbound(Consumer<Event> events, AtomicLong maxElements, java.util.function.Function<Throwable, String> hint) {
        this.events = events;
        this.maxElements = maxElements;
        this.hint = hint;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        try {
            read(ctx, b);
        } catch (ProtocolException | IndexOutOfBoundsException e) {
            fail(ctx, e instanceof ProtocolException ? e.getMessage() : "malformed frame: " + e.getMessage());
        } finally {
            b.release();
        }
    }

    private void read(ChannelHandlerContext ctx, ByteBuf b) {
        byte type = b.readByte();
        Tag tag = Frames.readTag(b);
        if (peer == null && type != Frames.HELLO) {
            throw new ProtocolException("malformed stream: the first frame must be HELLO, got type " + type);
        }
        if (type == Frames.PING || type == Frames.PONG) { // link-level, between a tensor's chunks too
            ping(ctx, type == Frames.PONG, b.readLong());
        } else {
            readMessage(ctx, type, tag, b);
        }
        if (b.isReadable()) {
            throw new ProtocolException("malformed frame: " + b.readableBytes() + " unexpected trailing bytes");
        }
    }

    /** A PING answered at once; a PONG handed on with its time of arrival. */
    private void ping(ChannelHandlerContext ctx, boolean answer, long nonce) {
        if (answer) {
            events.accept(new Pong(peer, nonce, System.nanoTime(), ctx.channel()));
        } else {
            ctx.writeAndFlush(Frames.ping(ctx.alloc(), nonce, true));
        }
    }

    private void readMessage(ChannelHandlerContext ctx, byte type, Tag tag, ByteBuf b) {
        if (tensorTag != null && type != Frames.CHUNK) {
            throw new ProtocolException("malformed stream: tensor " + tensorTag + " ended after " + received + " of "
                    + tensorShape.size() + " elements");
        }
        switch (type) {
            case Frames.HELLO -> {
                int version = b.readUnsignedByte();
                if (version != Frames.PROTOCOL_VERSION) {
                    throw new ProtocolException("peer speaks protocol version " + version + ", this is version "
                            + Frames.PROTOCOL_VERSION);
                }
                if (peer != null) {
                    throw new ProtocolException("malformed stream: a second HELLO");
                }
                peer = Frames.readRole(b);
                events.accept(new Hello(peer, ctx));
            }
            case Frames.BYTES -> {
                byte[] payload = new byte[b.readableBytes()];
                b.readBytes(payload);
                events.accept(new Message(peer, tag, null, payload, ctx.channel()));
            }
            case Frames.TENSOR -> startTensor(ctx, tag, b);
            case Frames.CHUNK -> readChunk(ctx, tag, b);
            default -> throw new ProtocolException("malformed frame: unknown frame type " + type);
        }
    }

    private void startTensor(ChannelHandlerContext ctx, Tag tag, ByteBuf b) {
        int rank = b.readUnsignedByte();
        if (rank > 8) {
            throw new ProtocolException("malformed tensor header: rank " + rank);
        }
        int[] dims = new int[rank];
        long size = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = b.readInt();
            size *= Math.max(dims[i], 0);
            if (dims[i] < 0 || size > maxElements.get()) {
                throw new ProtocolException("tensor header " + tag + " declares " + java.util.Arrays.toString(dims)
                        + ", more than the limit of " + maxElements.get() + " elements");
            }
        }
        Shape shape = Shape.of(dims);
        if (shape.size() == 0) {
            events.accept(new Message(peer, tag, Ring128Tensor.zeros(shape), null, ctx.channel()));
            return;
        }
        tensorTag = tag;
        tensorShape = shape;
        received = 0;
        // memory follows the data that actually arrives, not the size announced (a native
        // buffer's pages are committed as they are written; heap arrays grow)
        sink = RingBackends.current().wordSink(shape.size());
        if (sink == null) {
            hi = new long[Math.min(shape.size(), Frames.CHUNK_ELEMENTS)];
            lo = new long[hi.length];
        }
    }

    private void readChunk(ChannelHandlerContext ctx, Tag tag, ByteBuf b) {
        if (tensorTag == null || !tensorTag.equals(tag)) {
            throw new ProtocolException("malformed stream: chunk of " + tag + " outside its tensor");
        }
        int first = b.readInt();
        int count = b.readableBytes() / 16;
        int size = tensorShape.size();
        if (first != received || b.readableBytes() % 16 != 0 || count == 0 || received + count > size) {
            throw new ProtocolException("malformed chunk of " + tag + ": elements " + first + "+" + count
                    + " where element " + received + " of " + size + " was next");
        }
        if (sink != null) {
            Frames.readWords(b, sink, first, count);
        } else {
            if (received + count > hi.length) {
                int grown = (int) Math.min(size, Math.max(received + count, 2L * hi.length));
                hi = java.util.Arrays.copyOf(hi, grown);
                lo = java.util.Arrays.copyOf(lo, grown);
            }
            Frames.readWords(b, hi, lo, first, count);
        }
        received += count;
        if (received == size) {
            Ring128Tensor t = sink != null ? Ring128Tensor.onDevice(tensorShape, sink) : Ring128Tensor.wrap(tensorShape, hi, lo);
            events.accept(new Message(peer, tensorTag, t, null, ctx.channel()));
            tensorTag = null;
            hi = null;
            lo = null;
            sink = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (failed) {
            return; // the failure that closed it was reported
        }
        events.accept(new Failure(peer, peer == null
                ? "the peer closed the connection before its HELLO (does it use the same tls setting and protocol version?)"
                : peer + " closed the connection", ctx.channel()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String why = cause instanceof TooLongFrameException
                ? "malformed frame: larger than " + Frames.MAX_FRAME_BYTES + " bytes (" + cause.getMessage() + ")"
                : (peer == null ? "" : peer + "'s ") + "connection failed: " + describe(cause) + hint.apply(cause);
        fail(ctx, why);
    }

    /** The innermost cause of {@code cause}. */
    static Throwable root(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    /** The root cause in one short line; never the peer's bytes (Netty puts hex dumps in some messages). */
    static String describe(Throwable cause) {
        Throwable root = root(cause);
        if (root instanceof java.net.SocketException && String.valueOf(root.getMessage()).contains("Connection reset")) {
            return "the connection was reset (the peer's process ended abruptly, or its machine is unreachable)";
        }
        if (root instanceof NotSslRecordException) {
            return "the peer does not speak TLS (is it configured with tls: false?)";
        }
        if (root instanceof java.nio.channels.ClosedChannelException) {
            return "the peer closed the connection (it refused this one, or it is a proxy whose target is not listening yet)";
        }
        if (root instanceof ProtocolException) {
            return root.getMessage();
        }
        if (root.getMessage() == null) {
            return root.getClass().getSimpleName();
        }
        String message = root.getMessage();
        int cut = message.indexOf('\n');
        message = cut >= 0 ? message.substring(0, cut) : message;
        if (message.length() > 400) {
            message = message.substring(0, 400) + "...";
        }
        return root.getClass().getSimpleName() + ": " + message;
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        if (failed) {
            return;
        }
        failed = true;
        events.accept(new Failure(peer, why, ctx.channel()));
        ctx.close();
    }
}
