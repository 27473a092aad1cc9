package org.spdz4j.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.spdz4j.core.transport.ProtocolException;

/**
 * First handler of a plain-TCP connection: if the peer's first bytes are a TLS handshake record
 * (0x16 0x03), the peer was configured with TLS and this side without, which the frame decoder
 * would only report as an oversized frame. Removes itself after the first read.
 */
final class PlainSniffer extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        if (b.readableBytes() >= 2 && b.getByte(b.readerIndex()) == 0x16 && b.getByte(b.readerIndex() + 1) == 0x03) {
            b.release();
            ctx.pipeline().remove(this);
            ctx.fireExceptionCaught(new ProtocolException("the peer speaks TLS but this side is configured with tls: false"));
            return;
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }
}
