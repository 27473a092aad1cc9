package org.spdz4j.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.spdz4j.data.Evaluation;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.split.SplitTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spdz split-train}: split learning with several data holders and a label holder, every participant a thread of this JVM. */
@Command(name = "split-train", mixinStandardHelpOptions = true, showDefaultValues = true,
        defaultValueProvider = RecipeOptions.SplitDefaults.class,
        description = "Split learning in one JVM: data holders keep images and the bottom, the label holder the labels; "
                + "the top runs in the clear (plain) or on shares at P0 and P1 (secure).")
final class SplitTrainCommand implements Callable<Integer> {
    @Mixin
    SplitOptions split;
    @Option(names = "--data", required = true, description = "data folder: MNIST's IDX files, image folders train/ and "
            + "test/, or train.csv and test.csv (docs/data.md)")
    Path data;
    @Mixin
    DataOptions dataOptions;
    @Option(names = "--train-images", defaultValue = "0", description = "the first N training images (0 = all), "
            + "cut into one contiguous part per holder")
    int trainImages;
    @Option(names = "--test-images", defaultValue = "10000", description = "test the final model on this many test images")
    int testImages;
    @Option(names = "--save-model", description = "write the assembled model (bottom and top) here")
    Path saveModel;
    @Mixin
    OutputOptions output;
    @Mixin
    SplitCheckpointOptions saving;

    @Override
    public Integer call() throws Exception {
        // one JVM holds every part here, so 'data' fits the scaling over all of them (separate holders are given one)
        Dataset.Scaled sets = Dataset.loadScaled(data, dataOptions.layout(SplitOptions.network(split.recipe.network)),
                m -> split.recipe.initFrom != null ? Pretrained.scaling(split.recipe.initFrom)   // the weights' own
                        : split.pixelScaling.equals("data") ? m.fitScaling(Dataset.imagesUsed(trainImages, m.size()))
                        : InputScaling.parse(split.pixelScaling));
        SplitTraining.Config c = split.config(sets.scaling());
        DataOptions.requireFits(c.network(), sets.train(), data.toString());
        output.say(String.format("split learning, %s mode, %d holders %s: %s; float kernels %s", split.mode, c.holders(),
                c.parallel() ? "in parallel (SplitFed)" : "in round robin", c.network().describe(), FloatModel.kernels()));
        // refused here if it cannot resume; a resumed run trains the steps after its saved epoch
        int steps = SplitTraining.stepsToRun(c, Dataset.imagesUsed(trainImages, sets.train().size()), saving.checkpoints());
        long start = System.nanoTime();
        SplitTraining.Result r;
        try (Metrics metrics = SplitCommands.metrics(output, SplitTraining.LABELS, c.where() == SplitTraining.Where.PLAIN)) {
            r = SplitCommands.observed(SplitTraining.LABELS, output.showProgress(), metrics,
                    progress -> SplitTraining.run(c, sets.train(), trainImages, progress, saving.checkpoints()));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double accuracy = Evaluation.accuracy(c.network(), r.model(), sets.test(), testImages);
        System.out.printf("%s; %d steps of %d, %.1f s (%.3f s per step)%n",
                OutputOptions.accuracy(accuracy, Math.min(testImages, sets.test().size())), steps, c.batchSize(), seconds, seconds / steps);
        System.out.print(SplitTraining.trafficTable(r.traffic()));
        r.busy().forEach((role, busy) -> System.out.println(role + ": " + busy));
        if (saveModel != null) {
            new ModelFile(c.network(), sets.scaling(), r.model(), sets.train().classes(), sets.train().featureScaling())
                    .write(saveModel);
            System.out.println("model written to " + saveModel);
        }
        return 0;
    }
}
