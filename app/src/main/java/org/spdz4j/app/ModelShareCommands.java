package org.spdz4j.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.transport.Role;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.layers.SharedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spdz share-model} and {@code spdz combine-shares}: a model into two shares, and back where one owner holds both. */
final class ModelShareCommands {
    private ModelShareCommands() {
    }

    /** {@code spdz share-model}: splits a model its owner holds into P0's and P1's shares. */
    @Command(name = "share-model", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Split a model (a spdz4j model file or ONNX) into P0's and P1's shares for 'spdz serve'.")
    static final class Share implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "the model: a file of 'spdz train --save-model', or ONNX (.onnx)")
        Path model;
        @Option(names = "--out", required = true, description = "directory for P0.share and P1.share (owner-only)")
        Path out;

        @Override
        public Integer call() throws Exception {
            ModelFile m = Pretrained.read(model);
            m.network().requireComputableOnShares("private prediction");
            SecretFiles.directory(out);
            SharedModel[] halves = SharedModel.split(m, FixedPoint.DEFAULT);
            for (SharedModel h : halves) {
                h.write(out.resolve(h.party() + ".share"));
            }
            System.out.println("model " + halves[0].idHex() + " shared: " + out.resolve("P0.share") + " for P0, "
                    + out.resolve("P1.share") + " for P1; give each file to its party only (either alone reveals nothing, "
                    + "both together the model), then " + model + " may be deleted");
            return 0;
        }
    }

    /** {@code spdz combine-shares}: the model from both shares, for an owner who holds both. */
    @Command(name = "combine-shares", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Rebuild a model from P0's and P1's shares (whoever holds both learns the model).")
    static final class Combine implements Callable<Integer> {
        @Option(names = "--shares", required = true, description = "directory with P0.share and P1.share")
        Path shares;
        @Option(names = "--save-model", required = true, description = "write the model here (owner-only)")
        Path saveModel;

        @Override
        public Integer call() throws Exception {
            ModelFile m = SharedModel.combine(SharedModel.read(shares.resolve("P0.share"), Role.P0),
                    SharedModel.read(shares.resolve("P1.share"), Role.P1));
            m.write(saveModel); // with the class names both halves carry
            System.out.println("model written to " + saveModel);
            return 0;
        }
    }
}
