package org.spdz4j.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Tag;

/**
 * The wire format. Every frame is {@code int length} (of what follows) then:
 * <pre>
 *   byte type    HELLO, BYTES, TENSOR or CHUNK
 *   byte kind    Tag.Kind ordinal
 *   int  step
 *   int  position
 *   HELLO:  byte protocol version, byte role ordinal
 *   BYTES:  the payload
 *   TENSOR: byte rank, int dims[rank]; then ceil(size / CHUNK_ELEMENTS) CHUNK frames follow
 *   CHUNK:  int first element, then (hi, lo) as two big-endian longs per element
 * </pre>
 * A tensor is streamed in chunks of at most {@link #CHUNK_ELEMENTS} elements (1 MiB), so no
 * frame exceeds {@link #MAX_FRAME_BYTES} and the decoder never buffers more than that.
 */
final class Frames {
    static final byte PROTOCOL_VERSION = 1;
    static final byte HELLO = 1;
    static final byte BYTES = 2;
    static final byte TENSOR = 3;
    static final byte CHUNK = 4;
    static final int CHUNK_ELEMENTS = 1 << 16;
    static final int HEADER_BYTES = 10;
    static final int MAX_FRAME_BYTES = HEADER_BYTES + 4 + CHUNK_ELEMENTS * 16;

    private Frames() {
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

    static ByteBuf chunk(ByteBufAllocator alloc, Tag tag, long[] hi, long[] lo, int first, int count) {
        ByteBuf b = header(alloc, CHUNK, tag, 4 + 16 * count);
        b.writeInt(first);
        for (int i = first; i < first + count; i++) {
            b.writeLong(hi[i]);
            b.writeLong(lo[i]);
        }
        return b;
    }
}
