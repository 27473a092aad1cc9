package org.spdz4j.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.data.Dataset;
import org.spdz4j.data.ImageInput;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.prediction.ModelCard;
import org.spdz4j.prediction.PredictionClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spdz classify}: a client of private prediction. It secret-shares its images to the two
 * servers of run.yaml and alone learns their classes; the servers learn neither.
 */
@Command(name = "classify", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Classify images with a model kept on shares by 'spdz serve': only this client learns the answers.")
final class ClassifyCommand implements Callable<Integer> {
    @Mixin
    ProcessOptions process;
    @Option(names = "--id", required = true, description = "this client's number: CLIENT<id> in run.yaml")
    int id;
    @Option(names = "--data", description = "classify a data folder's test examples instead (any layout of docs/data.md) "
            + "and print the accuracy against their labels, computed here")
    Path data;
    @Option(names = "--test-images", defaultValue = "10000", description = "with --data: how many test examples")
    int testImages;
    @Option(names = "--no-resize", description = "refuse an image whose size is not the model's (before anything is sent) "
            + "instead of resizing it")
    boolean noResize;
    @Option(names = "--probabilities", description = "also learn each image's class probabilities (the softmax, computed "
            + "on shares: more rounds for the servers)")
    boolean probabilities;
    @Parameters(arity = "0..*", description = "PNG or JPEG images (converted to the model's channels and size, as 'spdz predict' does)")
    List<Path> images = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if ((data == null) == images.isEmpty()) {
            throw new IllegalArgumentException("give images, or --data DIR (not both)");
        }
        Role me = Role.of(Role.Kind.CLIENT, id);
        List<Role> roles = process.configuredRoles();
        long deadline = System.nanoTime() + process.timeout().toNanos();
        while (true) { // connected, then the session closed before this client was in it: the next one
            boolean[] connected = {false};
            boolean[] carded = {false};
            try {
                return process.run(me, roles, t -> {
                    connected[0] = true;
                    ModelCard card = PredictionClient.card(t);
                    carded[0] = true;
                    Request r = request(card);
                    long start = System.nanoTime();
                    PredictionClient.Answers a = PredictionClient.answers(t, card, card.input(), r.values(), probabilities);
                    report(me, r, a, card, (System.nanoTime() - start) / 1e9);
                    return 0;
                });
            } catch (ProtocolException e) {
                // it reached one server only, came as a session ended, or its session broke (a link dropped, a server
                // stopped): the next session, with fresh shares; a refusal while connecting, by the servers
                // (PredictionClient.Refusal) or of another plan or version is final
                if (!connected[0] || e instanceof Mismatch || System.nanoTime() > deadline) {
                    throw e;
                }
                if (carded[0]) {
                    System.err.println(me + ": the session broke (" + e.getMessage() + "); asking again in the next one");
                }
                Thread.sleep(500);
            }
        }
    }

    /** What this client asks: raw values in [0, 1], one input after another, and the labels or names to report. */
    private record Request(double[] values, List<String> names, int[] labels) {
    }

    private Request request(ModelCard card) throws java.io.IOException {
        Shape one = card.input();
        if (data != null) {
            Dataset test = Dataset.load(data, false, Dataset.Layout.of(one)).scaled(InputScaling.UNIT);
            // this client's labels numbered by the model's classes, by name
            test = test.inClasses(card.names(), data.toString(), "the served model's classes; nothing was sent");
            int n = Math.min(testImages, test.size());
            int[] idx = new int[n];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
                labels[i] = test.label(i);
            }
            return new Request(test.images(idx).values(), null, labels);
        }
        double[] values = new double[images.size() * one.size()];
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            try {
                double[] v = ImageInput.load(images.get(i), one, InputScaling.UNIT, !noResize).values();
                System.arraycopy(v, 0, values, i * one.size(), one.size());
            } catch (java.io.IOException | RuntimeException e) {
                failed.add(e.getMessage());
            }
        }
        if (!failed.isEmpty()) { // refused here: no share of any image has left this process
            throw new IllegalArgumentException(String.join("; ", failed) + "; nothing was sent");
        }
        return new Request(values, images.stream().map(Path::toString).toList(), null);
    }

    private static void report(Role me, Request r, PredictionClient.Answers a, ModelCard card, double seconds) {
        int[] classes = a.classes();
        if (r.labels() == null) {
            for (int i = 0; i < classes.length; i++) {
                System.out.println(r.names().get(i) + ": " + card.className(classes[i]) + (a.probabilities() == null ? ""
                        : String.format(java.util.Locale.ROOT, " (p=%.3f)", a.probabilities()[i * card.classes() + classes[i]])));
            }
            return;
        }
        int correct = 0;
        for (int i = 0; i < classes.length; i++) {
            correct += classes[i] == r.labels()[i] ? 1 : 0;
        }
        System.out.printf("%s: %d answers in %.1f s; accuracy %.2f%% (%d of %d, against labels only this client holds)%n",
                me, classes.length, seconds, 100.0 * correct / classes.length, correct, classes.length);
    }
}
