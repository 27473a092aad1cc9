package org.spdz4j.core.mpc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Several programs of one step (micro-batches) run in turn, each on a thread of its own, one at
 * a time, handing over at every message to the peer: a lane sends its part of a round, the next
 * lane runs until it has sent its own, and so on round the ring, and when a lane's turn comes
 * back its peer's answer has had all that time to travel. One round trip thus carries every lane's
 * message of that round, and the parties compute one lane while another's messages travel.
 *
 * <p>The turns are fixed: lane 0, 1, ..., m-1, 0, ..., skipping lanes that have finished, a
 * lane giving up its turn only at a message to or from the peer (after sending, before
 * receiving). Both parties run the same programs, so both take the same turns and send in the
 * same order, and their messages match tag for tag on the ordered link. Nothing but the order
 * of the work changes: the lanes' results equal those of running them one after another.
 */
final class Lanes {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition turnChanged = lock.newCondition();
    private final boolean[] finished;
    private int turn;
    private Throwable failure; // the first lane's failure: the others stop at their next turn
    private final ThreadLocal<Integer> lane = new ThreadLocal<>();

    private Lanes(int count) {
        this.finished = new boolean[count];
    }

    /**
     * Runs {@code work} as lanes in turn and returns their results in order: lane 0 on the
     * calling thread, lane k on {@code threads.get(k - 1)} (the same threads step after step, so
     * what a thread keeps warm, such as its native allocator's memory, stays warm). The first
     * failure of a lane is rethrown (an {@link Error} as is), the other lanes stopping at their
     * next turn. {@code install} is called with the turns before the lanes start and with null
     * after they end.
     */
    static <T> List<T> run(List<Supplier<T>> work, List<java.util.concurrent.Executor> threads,
                           java.util.function.Consumer<Lanes> install) {
        Lanes lanes = new Lanes(work.size());
        List<T> results = new ArrayList<>(java.util.Collections.nCopies(work.size(), null));
        java.util.concurrent.CountDownLatch others = new java.util.concurrent.CountDownLatch(work.size() - 1);
        install.accept(lanes);
        try {
            for (int i = 1; i < work.size(); i++) {
                int me = i;
                threads.get(i - 1).execute(() -> {
                    try {
                        lanes.runLane(me, work.get(me), results);
                    } finally {
                        others.countDown();
                    }
                });
            }
            lanes.runLane(0, work.get(0), results);
            others.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the micro-batches' lanes", e);
        } finally {
            install.accept(null);
        }
        Throwable e = lanes.failure(); // the other lanes' LaneStopped are its consequences, not reported
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException(e);
        }
        return results;
    }

    /** Lane {@code me}'s turn-taking run of its work on this thread. */
    private <T> void runLane(int me, Supplier<T> work, List<T> results) {
        lane.set(me);
        try {
            awaitTurn(me);
            results.set(me, work.get());
        } catch (Throwable e) {
            fail(e);
        } finally {
            finish(me);
            lane.remove();
        }
    }

    /** Whether the calling thread is lane 0 (the lane whose rounds stand for every lane's). */
    boolean firstLane() {
        return index() == 0;
    }

    /** The calling lane's index (0 on a thread that is not a lane's). */
    int index() {
        Integer me = lane.get();
        return me == null ? 0 : me;
    }

    /** Gives the turn to the next unfinished lane and waits for it to come back; at once if none other is left. */
    void pass() {
        int me = lane.get();
        lock.lock();
        try {
            turn = next(me);
            turnChanged.signalAll();
            awaitTurnLocked(me);
        } finally {
            lock.unlock();
        }
    }

    private void awaitTurn(int me) {
        lock.lock();
        try {
            awaitTurnLocked(me);
        } finally {
            lock.unlock();
        }
    }

    private void awaitTurnLocked(int me) {
        while (turn != me && failure == null) {
            turnChanged.awaitUninterruptibly();
        }
        if (failure != null) {
            throw new LaneStopped(failure);
        }
    }

    /** Records {@code e} unless a lane failed before (a lane stopped by that failure throws after it). */
    private void fail(Throwable e) {
        lock.lock();
        try {
            if (failure == null) {
                failure = e;
            }
            turnChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private Throwable failure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    private void finish(int me) {
        lock.lock();
        try {
            finished[me] = true;
            if (turn == me) {
                turn = next(me);
            }
            turnChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The next unfinished lane after {@code me} in ring order ({@code me} itself if it is the only one left). */
    private int next(int me) {
        for (int k = 1; k <= finished.length; k++) {
            int candidate = (me + k) % finished.length;
            if (!finished[candidate]) {
                return candidate;
            }
        }
        return me;
    }

    /** A lane stopped because another failed: the other's failure is the one reported. */
    private static final class LaneStopped extends RuntimeException {
        LaneStopped(Throwable cause) {
            super("stopped: another micro-batch's lane failed", cause);
        }
    }
}
