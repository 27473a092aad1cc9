package org.spdz4j.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.spdz4j.core.transport.Role;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.split.SplitData;
import org.spdz4j.split.SplitTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spdz split-demo}: every participant of a split run as its own OS process on 127.0.0.1
 * with fresh keys and mutual TLS. The demo cuts the first training examples into one contiguous
 * part per holder, each in its data's own layout (MNIST's digits as an IDX file and an id file,
 * other images as a folder of PNG files named by id, tabular rows as a CSV file with an id
 * column), and writes the label holder's {@code id,label} file in its own order, then starts
 * the holders, the label holder and, in secure mode, P0, P1 and the dealer. The participant that sees every step (the label holder in plain mode, P0 in
 * secure mode) shows the progress bar; at the end the model owner's accuracy and every
 * participant's bytes sent and received are printed.
 */
@Command(name = "split-demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        defaultValueProvider = RecipeOptions.SplitDefaults.class,
        description = "Split learning with every participant a process on localhost (TLS): holders, label holder, "
                + "and in secure mode P0, P1 and the dealer.")
final class SplitDemoCommand implements Callable<Integer> {
    @Mixin
    SplitOptions split;
    @Option(names = "--data", required = true, description = "the data folder (MNIST's IDX files, an image folder "
            + "train/ and test/, or train.csv and test.csv; docs/data.md)")
    Path data;
    @Mixin
    DataOptions dataOptions;
    @Option(names = "--train-images", defaultValue = "0", description = "the first N training images (0 = all), one "
            + "contiguous part per holder")
    int trainImages;
    @Option(names = "--test-images", defaultValue = "10000", description = "test the final model on this many test images")
    int testImages;
    @Option(names = "--save-model", description = "where HOLDER0, the model owner, writes the assembled model")
    Path saveModel;
    @Option(names = "--timeout", defaultValue = "120", description = "seconds a process waits for a peer")
    int timeout;
    @Option(names = "--dir", description = "run directory for keys, data parts, config and logs (default: a new temporary one)")
    Path dir;
    @Mixin
    OutputOptions output;
    @Mixin
    WanOption wan;
    @Mixin
    SplitCheckpointOptions saving;

    @Override
    public Integer call() throws Exception {
        SplitCommands.checkPlot(output, split.where() == SplitTraining.Where.PLAIN);
        org.spdz4j.layers.Network network = SplitOptions.network(split.recipe.network);
        Dataset train = Dataset.load(data, true, dataOptions.layout(network));
        DataOptions.requireFits(network, train, data.toString()); // before any process starts
        Path run = Launcher.runDirectory(dir, "spdz4j-split-demo");
        int n = Dataset.imagesUsed(trainImages, train.size());
        // the holders agree on one scaling; here the demo, which cuts everyone's data, fits it over all parts
        InputScaling scaling = split.pixelScaling.equals("data") ? train.fitScaling(n) : InputScaling.parse(split.pixelScaling);
        SplitTraining.Config c = split.config(scaling);
        int resumed = SplitTraining.resumesFrom(c, saving.checkpoints()); // refused here, before any process starts
        SplitData.Prepared files = SplitData.prepare(run, train, c.holders(), n, c.seed());
        List<Role> roles = SplitTraining.roles(c.where(), c.holders());
        Path config = Launcher.writeKeysAndConfig(run, roles, links(c.holders()));
        output.say("run directory " + run + " (run.yaml, data parts, logs; the keys are deleted at exit)");
        List<String> common = new ArrayList<>(List.of("--config", config.toString(), "--keys", run.toString(),
                "--timeout", "" + timeout));
        common.addAll(split.asArguments(scaling));
        Role pacer = c.where() == SplitTraining.Where.SECURE ? Role.P0 : SplitTraining.LABELS;
        Map<Role, Launcher.Launch> launches = new LinkedHashMap<>();
        for (Role r : roles) {
            List<String> args = new ArrayList<>(arguments(r, c, files));
            if (!r.equals(Role.DEALER) && !r.kind().equals(Role.Kind.DATA_HOLDER)) {
                args.addAll(output.asArguments(r.equals(pacer))); // the pacer shows the steps and writes the metrics
            }
            if (SplitTraining.holdsState(c.where(), r)) { // all in one folder, each file named by its participant
                args.addAll(saving.asArguments());
            }
            args.addAll(common);
            launches.put(r, new Launcher.Launch(args, r + ".log", r.equals(pacer)));
        }
        output.say(String.format("split learning, %s mode, %d holders, %d images: %s%s", split.mode, c.holders(), n,
                c.network().describe(), resumed > 0 ? "; going on after epoch " + resumed : ""));
        try (WanLinks links = wan.start(run, config, WanLinks.eachItself(launches.keySet()))) {
            output.say("links: " + wan.describe());
            long start = System.nanoTime();
            return Launcher.supervise(run, WanLinks.route(links, launches), roles, dir == null,
                    () -> report(run, roles, start));
        }
    }

    /** The owner's lines and the traffic table, from the participants' logs in {@code run}. */
    private static int report(Path run, List<Role> roles, long start) throws java.io.IOException {
        System.out.printf("all %d participants finished in %.1f s%n", roles.size(), (System.nanoTime() - start) / 1e9);
        StringBuilder table = new StringBuilder(String.format("%-12s %16s %16s%n", "participant", "bytes sent", "bytes received"));
        for (Role r : roles) {
            for (String line : Files.readAllLines(run.resolve(r + ".log"))) {
                if (line.startsWith(SplitTraining.OWNER + ":")) {
                    System.out.println(line);
                } else if (line.startsWith("traffic: ")) {
                    table.append(line.substring("traffic: ".length())).append(System.lineSeparator());
                }
            }
        }
        System.out.print(table);
        return 0;
    }

    /** Holders with each other (the bottom's hand-over) and each with the label holder; P0 and P1 reach everyone anyway. */
    static List<List<Role>> links(int holders) {
        List<List<Role>> links = new ArrayList<>();
        for (int h = 0; h < holders; h++) {
            links.add(List.of(SplitTraining.holder(h), SplitTraining.LABELS));
            for (int k = h + 1; k < holders; k++) {
                links.add(List.of(SplitTraining.holder(h), SplitTraining.holder(k)));
            }
        }
        return links;
    }

    /** The command and own options of participant {@code r}. */
    private List<String> arguments(Role r, SplitTraining.Config c, SplitData.Prepared files) {
        if (r.equals(Role.DEALER)) {
            return List.of("split-dealer");
        }
        if (r.isComputeParty()) {
            return List.of("split-party", "--id", "" + r.partyIndex());
        }
        if (r.equals(SplitTraining.LABELS)) {
            return List.of("split-labels", "--labels", files.labels().toString());
        }
        int h = r.index();
        List<String> args = new ArrayList<>(List.of("split-holder", "--id", "" + h, "--images", files.images().get(h).toString()));
        if (files.ids().get(h) != null) { // an IDX part's id file; a folder or CSV names its samples itself
            args.addAll(List.of("--ids", files.ids().get(h).toString()));
        }
        args.addAll(dataOptions.asArguments()); // how the holder reads its part, and HOLDER0 the test data
        if (r.equals(SplitTraining.OWNER)) {
            args.addAll(List.of("--test-data", data.toAbsolutePath().toString(), "--test-images", "" + testImages));
            if (saveModel != null) {
                args.addAll(List.of("--save-model", saveModel.toAbsolutePath().toString()));
            }
        }
        return args;
    }
}
