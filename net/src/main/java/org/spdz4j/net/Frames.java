package org.spdz4j.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.ring.WordSink;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;

/**
 * The wire format. Every frame is {@code int length} (of what follows) then:
 * <pre>
 *   byte type    HELLO, BYTES, TENSOR, CHUNK, PING or PONG
 *   byte kind    Tag.Kind ordinal
 *   int  step
 *   int  position
 *   HELLO:  byte protocol version, byte name length, the role's name (ASCII, e.g. "P1", "HOLDER3")
 *   BYTES:  the payload
 *   PING:   long nonce; the receiving transport answers at once with a PONG of the same nonce
 *   PONG:   long nonce (PING and PONG may come between a tensor's CHUNKs; they are no message)
 *   TENSOR: byte rank, int dims[rank]; then ceil(size / CHUNK_ELEMENTS) CHUNK frames follow
 *   CHUNK:  int first element, then the chunk's count high words, then its count low words,
 *           each a little-endian long (planar, as a tensor lies in native memory)
 * </pre>
 * Header fields are big-endian (Netty's default); the words are little-endian so that a tensor
 * in native memory goes into a frame by two copies ({@link Ring128Tensor#writeWords}) and out
 * of one by two bulk reads ({@link #readWords}). A tensor is streamed in chunks of at most
 * {@link #CHUNK_ELEMENTS} elements (1 MiB), so no frame exceeds {@link #MAX_FRAME_BYTES} and
 * the decoder never buffers more than that. Version 3 made the words planar and little-endian
 * (version 2 interleaved big-endian (hi, lo) pairs); version 4 sends a compute party's public
 * facts to agree on in one message ({@code ComputeParty.agree}), where version 3 sent one a fact;
 * version 5 adds PING and PONG ({@code Transport.roundTrip}) and, to a prediction session's
 * messages, how its small batches run their max pools (the servers' round trips, the protocol
 * chosen, told the dealer); version 6 adds to a split run's matching the epochs each participant
 * that keeps state saved and the one the run goes on from ({@code SplitCodec}), and tells a
 * federated aggregator the coordinator's first round ({@code FederatedTraining.sendRound}); version
 * 7 adds to a federated coordinator's facts the run's classes, by which each client numbers its own
 * (and for a CSV the column statistics each client standardises by),
 * to a split holder's matching request the classes and column statistics of its test data (the
 * statistics passed on in the label holder's verdict), and to a prediction
 * model's card (its own version 2) the classes' names.
 */
final class Frames {
    static final byte PROTOCOL_VERSION = 7;
    /** Longest role name in a HELLO. */
    static final int MAX_ROLE_NAME = 32;
    static final byte HELLO = 1;
    static final byte BYTES = 2;
    static final byte TENSOR = 3;
    static final byte CHUNK = 4;
    static final byte PING = 5;
    static final byte PONG = 6;
    static final int CHUNK_ELEMENTS = 1 << 16;
    static final int HEADER_BYTES = 10;
    static final int MAX_FRAME_BYTES = HEADER_BYTES + 4 + CHUNK_ELEMENTS * 16;

    private Frames() {
    }

    /** The HELLO frame of {@code self}. */
    static ByteBuf hello(ByteBufAllocator alloc, Role self) {
        byte[] name = self.name().getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = header(alloc, HELLO, new Tag(Tag.Kind.HANDSHAKE, 0, 0), 2 + name.length);
        b.writeByte(PROTOCOL_VERSION);
        b.writeByte(name.length);
        b.writeBytes(name);
        return b;
    }

    /** A PING ({@code answer} false) or the PONG that answers it, carrying {@code nonce}. */
    static ByteBuf ping(ByteBufAllocator alloc, long nonce, boolean answer) {
        ByteBuf b = header(alloc, answer ? PONG : PING, new Tag(Tag.Kind.HANDSHAKE, 0, 0), 8);
        b.writeLong(nonce);
        return b;
    }

    /** The role named in a HELLO body after the version byte; refuses a malformed name. */
    static Role readRole(ByteBuf b) {
        int length = b.readUnsignedByte();
        if (length == 0 || length > MAX_ROLE_NAME || length > b.readableBytes()) {
            throw new ProtocolException("malformed HELLO: role name of " + length + " bytes");
        }
        byte[] name = new byte[length];
        b.readBytes(name);
        String text = new String(name, StandardCharsets.US_ASCII);
        try {
            return Role.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("malformed HELLO: " + e.getMessage());
        }
    }

    static ByteBuf header(ByteBufAllocator alloc, byte type, Tag tag, int bodyBytes) {
        ByteBuf b = alloc.directBuffer(4 + HEADER_BYTES + bodyBytes);
        b.writeInt(HEADER_BYTES + bodyBytes);
        b.writeByte(type);
        b.writeByte(tag.kind().ordinal());
        b.writeInt(tag.step());
        b.writeInt(tag.position());
        return b;
    }

    static Tag readTag(ByteBuf b) {
        int kind = b.readUnsignedByte();
        Tag.Kind[] kinds = Tag.Kind.values();
        if (kind >= kinds.length) {
            throw new ProtocolException("malformed frame: unknown message kind " + kind);
        }
        return new Tag(kinds[kind], b.readInt(), b.readInt());
    }

    static ByteBuf tensorHeader(ByteBufAllocator alloc, Tag tag, Shape shape) {
        ByteBuf b = header(alloc, TENSOR, tag, 1 + 4 * shape.rank());
        b.writeByte(shape.rank());
        for (int d : shape.dims()) {
            b.writeInt(d);
        }
        return b;
    }

    /** The CHUNK frame of elements {@code [first, first + count)} of {@code tensor}. */
    static ByteBuf chunk(ByteBufAllocator alloc, Tag tag, Ring128Tensor tensor, int first, int count) {
        ByteBuf b = header(alloc, CHUNK, tag, 4 + 16 * count);
        b.writeInt(first);
        int bytes = 16 * count;
        tensor.writeWords(first, count, b.nioBuffer(b.writerIndex(), bytes));
        b.writerIndex(b.writerIndex() + bytes);
        return b;
    }

    /**
     * Reads a CHUNK body's {@code count} elements (after its first-element field) into
     * {@code hi} and {@code lo} from {@code first}.
     */
    static void readWords(ByteBuf b, long[] hi, long[] lo, int first, int count) {
        LongBuffer words = body(b, count).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
        words.get(hi, first, count).get(lo, first, count);
    }

    /** As {@link #readWords(ByteBuf, long[], long[], int, int)}, into {@code sink} (native memory). */
    static void readWords(ByteBuf b, WordSink sink, int first, int count) {
        sink.readWords(first, count, body(b, count));
    }

    /** The next {@code count} elements' words of a CHUNK body, consumed from {@code b}. */
    private static ByteBuffer body(ByteBuf b, int count) {
        ByteBuffer words = b.nioBuffer(b.readerIndex(), 16 * count);
        b.skipBytes(16 * count);
        return words;
    }
}
