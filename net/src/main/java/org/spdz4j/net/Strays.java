package org.spdz4j.net;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.spdz4j.core.transport.Role;

/**
 * Connections that were not a configured peer (a port scan, a TLS client without a pinned
 * certificate, random bytes): dropped and counted, with at most one log line per
 * {@link #LOG_EVERY_NANOS}, so that knocking on the port neither stops a participant nor fills
 * its log. Reasons are cut to {@link #MAX_REASON} characters (never a dump of the bytes).
 */
final class Strays {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    static final long LOG_EVERY_NANOS = 10_000_000_000L;
    static final int MAX_REASON = 400;

    private final Role self;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    private final AtomicLong sinceLog = new AtomicLong();
    private final AtomicReference<String> last = new AtomicReference<>();

    Strays(Role self) {
        this.self = self;
    }

    void dropped(String why) {
        String reason = why.length() <= MAX_REASON ? why : why.substring(0, MAX_REASON) + "...";
        count.incrementAndGet();
        sinceLog.incrementAndGet();
        last.set(reason);
        long now = System.nanoTime();
        long previous = lastLog.get();
        if (now - previous >= LOG_EVERY_NANOS && lastLog.compareAndSet(previous, now)) {
            LOG.warn("{} dropped {} connection(s) that were not a configured peer; last: {}", self, sinceLog.getAndSet(0),
                    reason);
        }
    }

    long count() {
        return count.get();
    }

    /** For a timeout message: how many were dropped and the last reason, or nothing. */
    String summary() {
        long n = count.get();
        return n == 0 ? "" : " (" + n + " other connection attempt(s) dropped; last: " + last.get() + ")";
    }
}
