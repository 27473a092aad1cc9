package org.spdz4j.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.data.TestData;

/** {@code --micro-batches auto}: the split chosen from the round trip P0 measures, the same at both parties. */
class MicroBatchChoiceTest {
    @Test
    void theRuleKeepsTheBatchWholeOnAFastLanAndSplitsItIntoMicroBatchesOfAtLeast32RowsAcrossAWan() {
        double fast = Double.POSITIVE_INFINITY;
        assertEquals(1, MicroBatchChoice.forLink(0.3, fast, 128), "loopback");
        assertEquals(1, MicroBatchChoice.forLink(19.9, 250, 128), "below the round trip's threshold, at the bandwidth's");
        assertEquals(4, MicroBatchChoice.forLink(20, fast, 128));
        assertEquals(4, MicroBatchChoice.forLink(0.3, 249, 128), "a slow link with no delay");
        assertEquals(4, MicroBatchChoice.forLink(100, fast, 256), "at most four");
        assertEquals(2, MicroBatchChoice.forLink(50, fast, 64));
        assertEquals(2, MicroBatchChoice.forLink(50, fast, 96), "96 / 4 = 24 rows is too few; 96 / 2 = 48 is not");
        assertEquals(2, MicroBatchChoice.forLink(50, fast, 100), "100 / 4 = 25 rows; 100 / 2 = 50");
        assertEquals(1, MicroBatchChoice.forLink(50, 100, 32), "16 rows would be too few");
        assertEquals(2, MicroBatchChoice.forLink(1, 100, 66), "4 does not divide 66; 66 / 2 = 33 rows");
        assertEquals(1, MicroBatchChoice.forLink(50, fast, 62), "62 / 2 = 31 rows");
    }

    @Test
    void p0ProbesTheBandwidthOnlyWhereItCanChangeTheChoice() {
        assertTrue(MicroBatchChoice.probes(0.3, 128), "a short round trip and a batch that could be split");
        assertFalse(MicroBatchChoice.probes(20, 128), "the round trip splits it anyway");
        assertFalse(MicroBatchChoice.probes(0.3, 32), "16 rows would be too few: it stays whole anyway");
    }

    @Test
    void bothPartiesTakeP0sChoiceFromTheRoundTripAndBandwidthOfTheLinkBetweenThem() throws Exception {
        assertEquals(new Agreed(1, 1), agree(new InMemoryNetwork(), 0, 0, 128), "no delay: the batch stays whole");
        Agreed across = agree(new InMemoryNetwork(), 12, 0, 128); // each message takes 12 ms: a round trip of 24 ms or more
        assertEquals(new Agreed(4, 4), across);
        assertEquals(new Agreed(1, 1), agree(new InMemoryNetwork(), 12, 0, 32), "a batch of 32 stays whole");
        // no delay, but each byte takes its time at 100 Mbit/s: the probe's 4 MiB take 336 ms
        assertEquals(new Agreed(4, 4), agree(new InMemoryNetwork(), 0, 100, 128), "a slow link splits the batch");
    }

    @Test
    void aChoiceThatDoesNotDivideP1sBatchIsRefusedThere() {
        assertTrue(refusedChoice(new byte[]{0, 0, 0, 4}, 30).contains(
                "P0 chose 4 micro-batches, which does not divide the batch of 30"));
    }

    @Test
    void aChoiceOfAnotherLengthIsRefusedAsMalformed() {
        assertTrue(refusedChoice(new byte[]{2}, 32).contains("P0's choice of micro-batches is 1 bytes, not 4"));
    }

    @Test
    void aBandwidthProbeOfAnotherLengthIsRefusedAsMalformed() {
        assertEquals("P0's bandwidth probe 0 is 1000 bytes, not " + MicroBatchChoice.PROBE_FRAME_BYTES, refusedAtP1(128, p0 -> {
            p0.sendBytes(Role.P1, probingTag(), new byte[]{1});
            p0.sendBytes(Role.P1, new Tag(Tag.Kind.HANDSHAKE, 3, MicroBatchChoice.PINGS + 1), new byte[1000]);
        }));
    }

    @Test
    void aWordOnTheProbeOtherThanOneByteOf0Or1IsRefusedAsMalformed() {
        assertEquals("P0's word on the bandwidth probe is not one byte of 0 or 1 (1 bytes)",
                refusedAtP1(128, p0 -> p0.sendBytes(Role.P1, probingTag(), new byte[]{2})));
        assertEquals("P0's word on the bandwidth probe is not one byte of 0 or 1 (2 bytes)",
                refusedAtP1(128, p0 -> p0.sendBytes(Role.P1, probingTag(), new byte[]{1, 0})));
    }

    /** P1's refusal, with a batch of {@code batch}, of {@code choice} sent by a P0 that answers the pings and sends no probe. */
    private static String refusedChoice(byte[] choice, int batch) {
        return refusedAtP1(batch, p0 -> {
            p0.sendBytes(Role.P1, probingTag(), new byte[]{0}); // as P0 does for a batch that stays whole anyway
            p0.sendBytes(Role.P1, new Tag(Tag.Kind.HANDSHAKE, 3, MicroBatchChoice.PINGS), choice);
        });
    }

    /** P1's refusal, with a batch of {@code batch}, of what {@code afterPings} sends it from a P0 that answers the pings. */
    private static String refusedAtP1(int batch, java.util.function.Consumer<Transport> afterPings) {
        InMemoryNetwork net = new InMemoryNetwork();
        Transport p0 = net.transport(Role.P0);
        CompletableFuture<Integer> p1 = CompletableFuture.supplyAsync(() -> MicroBatchChoice.agree(net.transport(Role.P1), batch));
        for (int i = 0; i < MicroBatchChoice.PINGS; i++) {
            Tag ping = new Tag(Tag.Kind.HANDSHAKE, 3, i);
            p0.sendBytes(Role.P1, ping, new byte[1]);
            p0.receiveBytes(Role.P1, ping);
        }
        afterPings.accept(p0);
        Exception e = assertThrows(Exception.class, p1::join);
        assertTrue(e.getCause() instanceof ProtocolException, e.toString());
        return e.getCause().getMessage();
    }

    private static Tag probingTag() {
        return new Tag(Tag.Kind.HANDSHAKE, 3, MicroBatchChoice.PINGS + 2 + MicroBatchChoice.PROBE_FRAMES);
    }

    @Test
    void anAutoRunInOneJvmChoosesTheWholeBatchAndTrainsAsIt() {
        TrainingConfig whole = TrainingConfig.seedNetwork(1, 8, 8);
        byte[] dealer = AesCtrPrg.freshSeed();
        byte[] input = AesCtrPrg.freshSeed();
        LocalTraining.Result a = LocalTraining.run(whole, TestData.train(), s -> { }, dealer, input);
        LocalTraining.Result b = LocalTraining.run(whole.withMicroBatches(TrainingConfig.AUTO_MICRO_BATCHES), TestData.train(),
                s -> { }, dealer, input);
        for (int i = 0; i < a.model().size(); i++) {
            assertArrayEquals(a.model().get(i), b.model().get(i), "parameter " + i);
        }
        assertEquals(a.p0Traffic().rounds(), b.p0Traffic().rounds(), "the pings are setup, not a step's rounds");
    }

    private record Agreed(int p0, int p1) {
    }

    /** Both parties' choice over {@code net}, each message delayed {@code delayMs} on its way. */
    private static Agreed agree(InMemoryNetwork net, int delayMs, int mbit, int batch) throws Exception {
        CompletableFuture<Integer> p1 = CompletableFuture.supplyAsync(
                () -> MicroBatchChoice.agree(delayed(net.transport(Role.P1), delayMs, mbit), batch));
        int p0 = MicroBatchChoice.agree(delayed(net.transport(Role.P0), delayMs, mbit), batch);
        return new Agreed(p0, p1.get());
    }

    /**
     * {@code t} whose byte messages each leave {@code ms} milliseconds late, and later by their
     * length at {@code mbit} Mbit/s (0: no limit).
     */
    private static Transport delayed(Transport t, int ms, int mbit) {
        return new Transport() {
            @Override
            public Role self() {
                return t.self();
            }

            @Override
            public void send(Role to, Tag tag, Ring128Tensor tensor) {
                t.send(to, tag, tensor);
            }

            @Override
            public Ring128Tensor receive(Role from, Tag expected) {
                return t.receive(from, expected);
            }

            @Override
            public Ring128Tensor receive(Role from, Tag expected, Duration limit) {
                return t.receive(from, expected, limit);
            }

            @Override
            public void sendBytes(Role to, Tag tag, byte[] payload) {
                try {
                    Thread.sleep(ms + (mbit == 0 ? 0 : payload.length * 8L / (1000L * mbit)));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                t.sendBytes(to, tag, payload);
            }

            @Override
            public byte[] receiveBytes(Role from, Tag expected) {
                return t.receiveBytes(from, expected);
            }

            @Override
            public byte[] receiveBytes(Role from, Tag expected, Duration limit) {
                return t.receiveBytes(from, expected, limit);
            }

            @Override
            public TrafficCounter traffic() {
                return t.traffic();
            }

            @Override
            public void close() {
                t.close();
            }
        };
    }
}
