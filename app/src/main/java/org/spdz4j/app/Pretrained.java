package org.spdz4j.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.WeightInit;
import org.spdz4j.onnx.OnnxImport;

/** A model to start from or to predict with: a spdz4j model file, or ONNX when its name ends in .onnx. */
final class Pretrained {
    private Pretrained() {
    }

    /** Reads {@code file} (ONNX by its extension, else a spdz4j model file). */
    static ModelFile read(Path file) throws IOException {
        return file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")
                ? OnnxImport.read(file) : ModelFile.read(file);
    }

    /**
     * The initial weights of a run of {@code network}: those of the model in {@code initFrom} when
     * given, refused unless its layers and input are the run's; else {@code init}. A process that
     * owns the model ({@code ownsModel}) is refused {@code --init pretrained} without the file.
     */
    static WeightInit initialWeights(Path initFrom, String init, Network network, boolean ownsModel) {
        if (initFrom == null) {
            WeightInit w = WeightInit.parse(init);
            if (w.isPretrained() && ownsModel) {
                throw new IllegalArgumentException("--init pretrained: this process owns the model, so it needs the "
                        + "pretrained model itself: give --init-from FILE");
            }
            return w;
        }
        ModelFile m;
        try {
            m = read(initFrom);
        } catch (IOException e) {
            throw new UncheckedIOException("--init-from " + initFrom + ": " + e.getMessage(), e);
        }
        if (!m.network().input().equals(network.input()) || !m.network().layers().equals(network.layers())) {
            throw new IllegalArgumentException("--init-from " + initFrom + " holds the network " + m.network().describe()
                    + ", not the run's " + network.describe() + " (give --network a file with the model's layers)");
        }
        return WeightInit.pretrained(m.params());
    }

    /** The input scaling of the model in {@code initFrom}: what its weights were trained for. */
    static org.spdz4j.layers.InputScaling scaling(Path initFrom) {
        try {
            return read(initFrom).scaling();
        } catch (IOException e) {
            throw new UncheckedIOException("--init-from " + initFrom + ": " + e.getMessage(), e);
        }
    }
}
