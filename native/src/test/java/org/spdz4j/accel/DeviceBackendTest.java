package org.spdz4j.accel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.ring.WordSink;
import org.spdz4j.core.testing.RingTestSupport;

/** What every device backend must do besides agreeing with Java: keep results resident, report errors. */
abstract class DeviceBackendTest extends BackendAgreementTest {

    @Override
    abstract DeviceRingBackend backend();

    @Test
    void resultsStayOnTheDeviceUntilRead() {
        DeviceRingBackend device = backend();
        Ring128Tensor w = random(Shape.of(16, 64), 30);
        Ring128Tensor x = random(Shape.of(64, 100), 31);
        Ring128Tensor bias = random(Shape.of(16, 100), 32);
        onDevice(device, () -> {
            long up = device.uploadedBytes();
            long down = device.downloadedBytes();
            Ring128Tensor y = w.matmul(x, false, false).add(bias).shiftRight(20);
            Ring128Tensor z = y.mul(y).add(w.matmul(x, false, false)).sub(bias);
            assertFalse(z.isOnHost());
            assertEquals(down, device.downloadedBytes(), "nothing copied back before it is read");
            assertEquals(up + 16L * (w.size() + x.size() + bias.size()), device.uploadedBytes(),
                    "each host operand copied to the device once");
            z.hiWords();
            assertTrue(z.isOnHost());
            assertEquals(down + 16L * z.size(), device.downloadedBytes());
        });
    }

    @Test
    void slicesConcatenationsAndMapsOfResultsStayOnTheDevice() {
        DeviceRingBackend device = backend();
        Ring128Tensor a = random(Shape.of(300), 37);
        onDevice(device, () -> {
            Ring128Tensor x = a.add(a);
            long down = device.downloadedBytes();
            Ring128Tensor slice = x.slice(100, Shape.of(50));
            Ring128Tensor both = Ring128Tensor.concat(List.of(slice, x));
            Ring128Tensor mapped = both.map(Shape.of(2), new int[]{0, 349}, new int[]{-1, 150});
            assertFalse(slice.isOnHost() || both.isOnHost() || mapped.isOnHost());
            assertEquals(down, device.downloadedBytes(), "nothing copied back to move words on the device");
            assertEquals(RingTestSupport.big(x, 100), RingTestSupport.big(mapped, 0));
            assertEquals(RingTestSupport.big(x, 299).subtract(RingTestSupport.big(x, 100)).mod(RingTestSupport.MODULUS),
                    RingTestSupport.big(mapped, 1));
        });
    }

    @Test
    void theKeystreamIsMadeWhereItLiesNotUploaded() {
        DeviceRingBackend device = backend();
        byte[] key = prg.bytes(16, 62, 0);
        byte[] counter = prg.bytes(16, 63, 0);
        Ring128Tensor expected = Ring128Tensor.aesCounterWords(Shape.of(5000), key, counter);   // the JDK's AES
        onDevice(device, () -> {
            long up = device.uploadedBytes();
            Ring128Tensor words = Ring128Tensor.aesCounterWords(Shape.of(5000), key, counter);
            assertFalse(words.isOnHost());
            assertEquals(up, device.uploadedBytes(), "the library's AES kernel wrote it in device memory");
            assertArrayEquals(expected.hiWords(), words.hiWords());
            assertArrayEquals(expected.loWords(), words.loWords());
        });
    }

    /** Copies of many sizes from several threads at once share the staging buffers without mixing them up. */
    @Test
    void concurrentCopiesOfManySizesComeBackIntact() throws Exception {
        DeviceRingBackend device = backend();
        int threads = 4;
        int rounds = 12;
        Ring128Tensor[][] inputs = new Ring128Tensor[threads][rounds];
        Ring128Tensor[][] sums = new Ring128Tensor[threads][rounds];   // on Java, before the device is installed
        for (int t = 0; t < threads; t++) {
            for (int r = 0; r < rounds; r++) {
                int n = 1 + ((t * 7919 + r * 104_729) % (1 << (5 + r)));   // 1 to 65,536 elements, every size different
                inputs[t][r] = random(Shape.of(n), 70 + rounds * t + r);
                sums[t][r] = inputs[t][r].add(inputs[t][r]);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        RingBackend previous = RingBackends.use(device);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        Ring128Tensor sum = inputs[thread][r].add(inputs[thread][r]);
                        assertFalse(sum.isOnHost());
                        assertEquals(sums[thread][r], sum, "thread " + thread + ", " + sum.size() + " elements");
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            RingBackends.use(previous);
            pool.shutdown();
        }
    }

    @Test
    void aProfileCountsEachKindOfCallAndChangesNoResult() {
        DeviceRingBackend device = backend();
        Ring128Tensor w = random(Shape.of(16, 64), 35);
        Ring128Tensor x = random(Shape.of(64, 100), 36);
        Ring128Tensor product = w.matmul(x, false, false);   // on Java, before the device is installed
        Ring128Tensor expected = product.add(product).shiftRight(20);
        DeviceProfile profile = new DeviceProfile(device.name());
        device.profileInto(profile);
        RingBackend previous = RingBackends.use(device);
        try {
            Ring128Tensor y = w.matmul(x, false, false);
            Ring128Tensor z = y.add(y).shiftRight(20);
            assertArrayEquals(expected.hiWords(), z.hiWords());
            assertArrayEquals(expected.loWords(), z.loWords());
        } finally {
            RingBackends.use(previous);
            device.profileInto(null);
        }
        assertEquals(1, profile.calls("matmul"));
        assertEquals(1, profile.calls("add"));
        assertEquals(1, profile.calls("shift right"));
        assertEquals(2, profile.calls("upload"), "w and x, once each");
        assertEquals(1, profile.calls("download"), "z, once");
        assertEquals(0, profile.calls("mul"));
        String report = profile.report();
        assertTrue(report.contains(device.name()) && report.contains("matmul") && report.contains("total"), report);
        // the copies by the code that asked for them (here the test runner's, the test being in the backend's package)
        assertTrue(report.contains("copies by the caller") && report.contains("\n  upload ") && report.contains("\n  download "),
                report);
    }

    /**
     * A narrow mask's share and a comparison's generated material are cut from a PRG's output
     * where it lies, an index map is uploaded once, and a reshape equals its tensor without a copy.
     */
    @Test
    void sharesAreNarrowedAndMapsRepeatedWithoutCopies() {
        DeviceRingBackend device = backend();
        byte[] key = prg.bytes(16, 64, 0);
        byte[] counter = prg.bytes(16, 65, 0);
        Ring128Tensor expected = Ring128Tensor.aesCounterWords(Shape.of(3000), key, counter);   // on Java
        int[] plus = new int[2000];
        for (int i = 0; i < plus.length; i++) {
            plus[i] = (7 * i) % 3000;
        }
        onDevice(device, () -> {
            Ring128Tensor output = Ring128Tensor.aesCounterWords(Shape.of(3000), key, counter);
            long up = device.uploadedBytes();
            long down = device.downloadedBytes();
            Ring128Tensor narrow = output.lowBits(93);
            Ring128Tensor cleared = output.clearWords(1001, 2042);
            Ring128Tensor once = output.map(Shape.of(2000), plus, null);
            long afterFirstMap = device.uploadedBytes();
            Ring128Tensor twice = output.map(Shape.of(2000), plus, null);
            assertFalse(narrow.isOnHost() || cleared.isOnHost() || once.isOnHost() || twice.isOnHost());
            assertEquals(up + 4L * plus.length, afterFirstMap, "the indices, once");
            assertEquals(afterFirstMap, device.uploadedBytes(), "the same indices again: not uploaded");
            assertTrue(twice.reshape(Shape.of(2000)).equals(twice), "the same words");
            assertFalse(twice.reshape(Shape.of(40, 50)).equals(twice), "another shape");
            assertEquals(down, device.downloadedBytes(), "nothing copied back");
            Ring128Tensor back = narrow.hostOnly(); // for the host alone: copied back once, no longer on the device
            assertEquals(down + 16L * narrow.size(), device.downloadedBytes());
            assertTrue(back.isOnHost() && back.deviceWords() == null);
            assertEquals(expected.lowBits(93), back);
            assertEquals(expected.lowBits(93), narrow);
            assertEquals(expected.clearWords(1001, 2042), cleared);
            assertEquals(expected.map(Shape.of(2000), plus, null), twice);
        });
    }

    /**
     * An opening under a narrow mask moves only what crosses to the peer: the packed low bits
     * back to the host, the peer's packed bits to the device, and a bit an element for the
     * window's check.
     */
    @Test
    void anOpeningCopiesOnlyPackedBitsAndItsCheck() {
        DeviceRingBackend device = backend();
        Ring128Tensor a = random(Shape.of(1000), 38);
        Ring128Tensor b = random(Shape.of(1000), 39);
        int bits = 96;
        int packed = Ring128Tensor.packedSize(1000, bits);
        onDevice(device, () -> {
            Ring128Tensor mine = a.add(b);
            Ring128Tensor theirs = b.sub(a).packLowBits(bits);
            long up = device.uploadedBytes();
            long down = device.downloadedBytes();
            Ring128Tensor sent = mine.packLowBits(bits);
            sent.hiWords(); // to the transport
            assertEquals(down + 16L * packed, device.downloadedBytes(), "the packed bits, 12 bytes an element");
            Ring128Tensor peers = Ring128Tensor.wrap(theirs.shape(), theirs.hiWords().clone(), theirs.loWords().clone());
            long downBefore = device.downloadedBytes();
            Ring128Tensor opened = mine.addPacked(peers, bits);
            assertFalse(opened.isOnHost());
            assertEquals(up + 16L * packed, device.uploadedBytes(), "the peer's packed bits, once");
            opened.outside(-1, 0, 1, 0);
            assertEquals(downBefore + 16L * ((1000 + 127) / 128), device.downloadedBytes(), "a bit an element");
        });
    }

    /** Runs {@code body} with {@code device} as the ring backend, then restores the one before. */
    static void onDevice(DeviceRingBackend device, Runnable body) {
        RingBackend previous = RingBackends.use(device);
        try {
            body.run();
        } finally {
            RingBackends.use(previous);
        }
    }

    /** Whether the backend's buffers are host memory the transport may read directly. */
    boolean hostMemory() {
        return true;
    }

    @Test
    void aFrameIsWrittenFromDeviceWordsAsFromHostWords() {
        DeviceRingBackend device = backend();
        Ring128Tensor a = random(Shape.of(300, 7), 33);
        Ring128Tensor b = random(Shape.of(300, 7), 34);
        ByteBuffer expected = ByteBuffer.allocateDirect(16 * 1000);
        a.mul(b).writeWords(57, 1000, expected);     // on Java, before the device is installed
        onDevice(device, () -> {
            Ring128Tensor product = a.mul(b);
            long down = device.downloadedBytes();
            ByteBuffer frame = ByteBuffer.allocateDirect(16 * 1000 + 3);
            frame.position(3);
            product.writeWords(57, 1000, frame);
            assertEquals(3 + 16 * 1000, frame.position());
            assertEquals(expected.flip(), frame.position(3).limit(3 + 16 * 1000), "the same bytes as from the heap");
            assertEquals(!hostMemory(), product.isOnHost(), "host memory is read in place, a GPU's downloaded");
            assertEquals(down + 16L * (hostMemory() ? 1000 : product.size()), device.downloadedBytes());
        });
    }

    @Test
    void receivedWordsLandInNativeMemoryWhereTheHostCanWriteIt() {
        DeviceRingBackend device = backend();
        WordSink sink = device.wordSink(5000);
        if (!hostMemory()) {
            assertNull(sink, "a GPU's words arrive in heap arrays");
            return;
        }
        Ring128Tensor words = random(Shape.of(5000), 35);
        ByteBuffer frames = ByteBuffer.allocateDirect(16 * 5000);
        words.writeWords(0, 3000, frames);
        words.writeWords(3000, 2000, frames);
        frames.flip();
        long up = device.uploadedBytes();
        sink.readWords(0, 3000, frames);
        sink.readWords(3000, 2000, frames);
        assertEquals(0, frames.remaining());
        assertEquals(up + 16L * 5000, device.uploadedBytes());
        Ring128Tensor received = Ring128Tensor.onDevice(words.shape(), sink);
        onDevice(device, () -> {
            Ring128Tensor sum = received.add(words);   // used where it lies, no second upload of it
            assertEquals(up + 16L * 5000 + 16L * words.size(), device.uploadedBytes());
            assertEquals(words.add(words), sum);
        });
        assertThrows(IndexOutOfBoundsException.class, () -> sink.readWords(4999, 2, ByteBuffer.allocate(32)));
        assertThrows(IndexOutOfBoundsException.class, () -> sink.readWords(0, 2, ByteBuffer.allocate(31)));
    }

    @Test
    void errorCodesBecomeExceptionsNamingTheOperation() {
        DeviceRingBackend device = backend();
        int code = device.library().r128d_shr(0, 200, 0, 1);
        DeviceException e = assertThrows(DeviceException.class, () -> device.check(code, "shift by 200"));
        assertEquals(code, e.code());
        assertTrue(e.getMessage().contains("invalid argument") && e.getMessage().contains("shift by 200"), e.getMessage());
    }
}
