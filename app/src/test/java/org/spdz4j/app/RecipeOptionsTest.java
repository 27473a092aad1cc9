package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** One declaration of the recipe options; split learning's measured defaults through its provider. */
class RecipeOptionsTest {
    /** {@code command} parsed with every required option any command has (the others ignored), its recipe described. */
    private static <T> String recipe(T command, Function<T, RecipeOptions> recipe, String... more) {
        CommandLine cl = new CommandLine(command);
        cl.setUnmatchedArgumentsAllowed(true);
        String[] required = {"--data", "d", "--labels", "l", "--id", "0", "--images", "i", "--ids", "x", "--config", "c"};
        String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(required), java.util.Arrays.stream(more))
                .toArray(String[]::new);
        cl.parseArgs(args);
        RecipeOptions r = recipe.apply(command);
        return r.network + " " + r.epochs + " " + r.batch + " " + r.lr + " " + r.lrSchedule + " " + r.momentum;
    }

    @Test
    void trainingCommandsDefaultToTheRobustRecipeAndSplitCommandsToTheirMeasuredOne() {
        String robust = "narrow 1 32 0.02 cosine 0.9";
        assertEquals(robust, recipe(new TrainCommand(), c -> c.training.recipe));
        assertEquals(robust, recipe(new DemoCommand(), c -> c.training.recipe));
        assertEquals(robust, recipe(new PartyCommand(), c -> c.training.recipe));
        String split = "tutorial 2 128 0.05 cosine 0.9";
        assertEquals(split, recipe(new SplitTrainCommand(), c -> c.split.recipe));
        assertEquals(split, recipe(new SplitDemoCommand(), c -> c.split.recipe));
        assertEquals(split, recipe(new SplitCommands.Holder(), c -> c.split.recipe));
        assertEquals(split, recipe(new SplitCommands.Labels(), c -> c.split.recipe));
        assertEquals(split, recipe(new SplitCommands.Party(), c -> c.split.recipe));
        assertEquals(split, recipe(new SplitCommands.Dealer(), c -> c.split.recipe));
        assertEquals("narrow 2 32 0.05 cosine 0.9", recipe(new SplitTrainCommand(), c -> c.split.recipe,
                "--batch", "32", "--network", "narrow"), "a given option wins over the provider");
    }
}
