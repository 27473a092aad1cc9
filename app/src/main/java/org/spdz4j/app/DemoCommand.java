package org.spdz4j.app;


import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.spdz4j.core.transport.Role;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spdz demo}: the dealer and both parties as three OS processes on 127.0.0.1, with fresh
 * keys and mutual TLS, training on MNIST. P0's output (progress, accuracy, communication table)
 * comes to this terminal; the dealer's and P1's go to logs in the run directory.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Train on MNIST with the dealer and both parties as three processes on localhost (TLS).")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    TrainingOptions training;
    @Option(names = "--data", required = true, description = "data folder: MNIST's IDX files (gzipped or not), "
            + "image folders or CSV files (docs/data.md)")
    Path data;
    @Mixin
    DataOptions dataOptions;
    @Option(names = "--test-images", defaultValue = "10000", description = "P0 tests the revealed model on this many test images")
    int testImages;
    @Option(names = "--save-model", description = "where P0 writes the revealed model")
    Path saveModel;
    @Option(names = "--timeout", defaultValue = "120", description = "seconds a process waits for a peer")
    int timeout;
    @Option(names = "--dir", description = "run directory for keys, config, logs and checkpoints, kept after the run "
            + "(default: a temporary one, removed at exit)")
    Path dir;
    @Option(names = "--dealer-seed", hidden = true)
    String dealerSeed;
    @Option(names = "--input-seed", hidden = true)
    String inputSeed;
    @Option(names = "--timing-file", hidden = true)
    Path timingFile;
    @Mixin
    OutputOptions output;
    @Option(names = "--checkpoint-every", defaultValue = "0", description = "save party state every N steps to <dir>/checkpoints (0 = never)")
    int checkpointEvery;
    @Option(names = "--resume", description = "continue from the checkpoints in <dir>/checkpoints (needs --dir)")
    boolean resume;
    @Mixin
    WanOption wan;

    @Override
    public Integer call() throws Exception {
        if (resume && dir == null) {
            throw new IllegalArgumentException("--resume needs the --dir of the interrupted run");
        }
        Path run = Launcher.runDirectory(dir, "spdz4j-demo");
        Path config = Launcher.writeKeysAndConfig(run);
        Path checkpoints = run.resolve("checkpoints");
        output.say(dir != null ? "run directory " + run + " (run.yaml, logs; the keys are deleted at exit)"
                : "run directory " + run + " (temporary: removed at exit; --dir keeps one)");
        if (checkpointEvery > 0 || resume) {
            System.out.println("note: " + checkpoints + " holds both parties' shares of the model: together they reveal it."
                    + " One directory for both is for demos only; in a real run each party keeps its own, on its own machine.");
        }
        List<String> common = new ArrayList<>(List.of("--config", config.toString(), "--keys", run.toString(),
                "--timeout", "" + timeout));
        if (training.threads == 0) { // P0 and P1 compute at once, the dealer ahead of them: half the cores each
            training.threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        }
        common.addAll(training.asArguments());

        List<String> dealerArgs = new ArrayList<>(List.of("dealer"));
        dealerArgs.addAll(common);
        if (dealerSeed != null) {
            dealerArgs.addAll(List.of("--dealer-seed", dealerSeed));
        }
        List<String> p1Args = new ArrayList<>(List.of("party", "--id", "1", "--data", data.toString(), "--no-progress"));
        p1Args.addAll(dataOptions.asArguments());
        p1Args.addAll(common);
        List<String> p0Args = new ArrayList<>(List.of("party", "--id", "0", "--data", data.toString(),
                "--test-images", "" + testImages));
        p0Args.addAll(dataOptions.asArguments());
        if (training.recipe.initFrom != null) {   // the model's owner alone holds the pretrained model
            p0Args.addAll(List.of("--init-from", training.recipe.initFrom.toAbsolutePath().toString()));
        }
        p0Args.addAll(output.asArguments(true)); // P0 measures the run: its progress, its metrics
        p0Args.addAll(common);
        if (checkpointEvery > 0 || resume) {
            for (Map.Entry<Role, List<String>> party : Map.of(Role.P0, p0Args, Role.P1, p1Args).entrySet()) {
                List<String> args = party.getValue();
                args.addAll(List.of("--checkpoint-dir", checkpoints.resolve(party.getKey().name()).toString(),
                        "--checkpoint-every", "" + Math.max(1, checkpointEvery)));
                if (resume) {
                    args.add("--resume");
                }
            }
        }
        if (saveModel != null) {
            p0Args.addAll(List.of("--save-model", saveModel.toAbsolutePath().toString()));
        }
        if (inputSeed != null) {
            p0Args.addAll(List.of("--input-seed", inputSeed));
        }
        if (timingFile != null) {
            p0Args.addAll(List.of("--timing-file", timingFile.toAbsolutePath().toString()));
        }
        Map<Role, Launcher.Launch> launches = new java.util.LinkedHashMap<>();
        launches.put(Role.DEALER, new Launcher.Launch(dealerArgs, "dealer.log", false));
        launches.put(Role.P1, new Launcher.Launch(p1Args, "P1.log", false));
        launches.put(Role.P0, new Launcher.Launch(p0Args, null, true));
        try (WanLinks links = wan.start(run, config, WanLinks.eachItself(launches.keySet()))) {
            if (links != null) {
                output.say("links: " + wan.describe());
            }
            return Launcher.supervise(run, WanLinks.route(links, launches), List.copyOf(launches.keySet()), dir == null);
        }
    }
}
