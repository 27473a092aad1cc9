package org.spdz4j.layers;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A revealed model on disk. Format (big-endian, as {@link DataOutputStream} writes it):
 * <pre>
 *   8 bytes   magic "SPDZ4JM3" ("SPDZ4JM2": the same without the class names, read as unnamed)
 *   UTF       the network's canonical description ({@link Network#describe()}), e.g.
 *             "conv2d(1,32,k=3,s=1,p=1) avgpool2d(2) ... dense(1568,10) softmax_cross_entropy(exp=8)"
 *   2 doubles the input scaling's mean and standard deviation ({@link InputScaling})
 *   int       number of parameter tensors, then for each:
 *     int       number of values, then the values as IEEE-754 doubles
 *   int       number of class names (0: unnamed, or the network's outputs), then each as UTF
 *   boolean   whether a CSV's feature statistics follow; if so int n, then n x (UTF column, double
 *             mean, double sd) ({@link FeatureScaling}; absent in files written before them)
 *   int       CRC32 of every byte before it
 * </pre>
 * Parameters are in {@link FloatModel#params()} order (per layer: weight, then bias).
 * Written atomically (temporary file, then rename).
 *
 * <pre>{@code
 * ModelFile.write(path, network, scaling, params, List.of("cat", "dog"));
 * ModelFile m = ModelFile.read(path);
 * FloatModel model = m.floatModel(Shape.of(1, 3, 32, 32));   // ready to predict inputs scaled by m.scaling()
 * String answer = m.className(1);                             // "dog"
 * }</pre>
 *
 * @param network the architecture
 * @param scaling how raw inputs in [0, 1] were scaled for training
 * @param params  the parameters
 * @param classes  the class of each output, by name, in order; empty where the model's trainer
 *                 did not know them (its outputs are then the classes' numbers)
 * @param features how a CSV's feature columns were standardised for training; null for images,
 *                 or where each participant standardised its own (split and federated runs)
 */
public record ModelFile(Network network, InputScaling scaling, List<double[]> params, List<String> classes,
                        FeatureScaling features) {
    private static final byte[] MAGIC = {'S', 'P', 'D', 'Z', '4', 'J', 'M', '3'};
    private static final byte[] MAGIC_WITHOUT_CLASSES = {'S', 'P', 'D', 'Z', '4', 'J', 'M', '2'};
    private static final byte[] MAGIC_WITHOUT_SCALING = {'S', 'P', 'D', 'Z', '4', 'J', 'M', '1'};

    /** A model whose outputs' classes are not named. */
    public ModelFile(Network network, InputScaling scaling, List<double[]> params) {
        this(network, scaling, params, List.of());
    }

    /** A model with no feature statistics (images, or several participants' own). */
    public ModelFile(Network network, InputScaling scaling, List<double[]> params, List<String> classes) {
        this(network, scaling, params, classes, null);
    }

    public ModelFile {
        classes = ClassNames.check(classes, network.outputs());
        if (features != null && (network.input().rank() != 1 || network.input().dim(0) != features.columns().size())) {
            throw new IllegalArgumentException(features.columns().size() + " feature columns' statistics for a network "
                    + "whose input is " + network.input());
        }
    }

    /** Output {@code k}'s class: its name, or its number where the classes are not named. */
    public String className(int k) {
        return ClassNames.name(classes, k);
    }

    /** As {@link #write(Path, Network, InputScaling, List, List)}, the classes not named. */
    public static void write(Path file, Network network, InputScaling scaling, List<double[]> params) throws IOException {
        write(file, network, scaling, params, List.of());
    }

    /**
     * Writes {@code network}, the {@code scaling} its inputs were trained with, its
     * {@code params} and its outputs' {@code classes} (empty: not named) to {@code file}, with a checksum: readable by its owner only (the model is
     * its owner's secret), through an exclusive temporary file and an atomic rename.
     *
     * @throws IOException naming {@code file} when it cannot be written (a full disk, say); no
     *                     partial file is left and an earlier {@code file} is kept
     */
    public static void write(Path file, Network network, InputScaling scaling, List<double[]> params, List<String> classes)
            throws IOException {
        new ModelFile(network, scaling, params, classes).write(file); // class names as many as the outputs, or none
    }

    /** Writes this model to {@code file}, as {@link #write(Path, Network, InputScaling, List, List)} says. */
    public void write(Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeUTF(network.describe());
        out.writeDouble(scaling.mean());
        out.writeDouble(scaling.sd());
        out.writeInt(params.size());
        for (double[] p : params) {
            out.writeInt(p.length);
            for (double v : p) {
                out.writeDouble(v);
            }
        }
        ClassNames.write(out, classes);
        FeatureScaling.write(out, features);
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        // the model is its owner's secret: owner-only, through an exclusive temporary file and a rename
        org.spdz4j.core.files.SecretFiles.writeAtomically(file, o -> o.write(bytes.toByteArray()));
    }

    /** Reads a model file; refuses a corrupt or truncated one naming the file. */
    public static ModelFile read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < MAGIC.length + 4) {
            throw new IOException(file + " is too short to be a spdz4j model");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 4);
        int stored = ByteBuffer.wrap(all, all.length - 4, 4).getInt();
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all, 0, all.length - 4));
        try {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (java.util.Arrays.equals(magic, MAGIC_WITHOUT_SCALING)) {
                throw new IOException(file + " was written by an earlier spdz4j that did not record the input scaling; "
                        + "train the model again");
            }
            boolean named = java.util.Arrays.equals(magic, MAGIC);
            if (!named && !java.util.Arrays.equals(magic, MAGIC_WITHOUT_CLASSES)) {
                throw new IOException(file + " is not a spdz4j model (bad magic)");
            }
            if (stored != (int) crc.getValue()) {
                throw new IOException(file + " is corrupt: checksum " + Integer.toHexString((int) crc.getValue())
                        + " but the file says " + Integer.toHexString(stored));
            }
            Network network = NetworkDescription.parse(in.readUTF());
            InputScaling scaling;
            try {
                scaling = new InputScaling(in.readDouble(), in.readDouble());
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
            int count = in.readInt();
            List<double[]> params = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = in.readInt();
                if (n < 0 || n > all.length / 8) {
                    throw new IOException(file + ": parameter " + i + " claims " + n + " values");
                }
                double[] v = new double[n];
                for (int j = 0; j < n; j++) {
                    v[j] = in.readDouble();
                    if (!Double.isFinite(v[j])) {
                        throw new IOException(file + ": parameter " + i + " holds " + v[j] + " at " + j
                                + ": the model is unusable (did its training diverge?)");
                    }
                }
                params.add(v);
            }
            List<String> classes = named ? ClassNames.read(in, network.outputs(), file) : List.of();
            FeatureScaling features = null;
            if (in.available() > 0) {
                try {
                    features = FeatureScaling.read(in, network.input().size());
                } catch (IOException e) {
                    throw new IOException(file + ": " + e.getMessage(), e);
                }
            }
            if (in.available() > 0) {
                throw new IOException(file + ": " + in.available() + " bytes after the model");
            }
            return new ModelFile(network, scaling, params, classes, features);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated", e);
        }
    }

    /** The model as a float network for inputs of shape {@code input}, e.g. (1, 1, 28, 28). */
    public FloatModel floatModel(org.spdz4j.core.ring.Shape input) {
        FloatModel m = FloatModel.create(network, input, new Initializer(0, 0), new Sgd(0, 0, 0));
        m.load(params);
        return m;
    }
}
