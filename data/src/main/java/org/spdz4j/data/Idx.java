package org.spdz4j.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.spdz4j.core.ring.Shape;

/**
 * MNIST's IDX files, gzipped or not ({@code train-images-idx3-ubyte[.gz]}, ...): magic numbers,
 * dimensions, counts and truncation checked, the wrong file named.
 */
final class Idx {
    static final int IMAGE_MAGIC = 2051;
    static final int LABEL_MAGIC = 2049;
    static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private Idx() {
    }

    /** Whether {@code dir} holds MNIST's training or test images. */
    static boolean present(Path dir) {
        for (String prefix : new String[]{"train", "t10k"}) {
            String name = prefix + "-images-idx3-ubyte";
            if (Files.isRegularFile(dir.resolve(name)) || Files.isRegularFile(dir.resolve(name + ".gz"))) {
                return true;
            }
        }
        return false;
    }

    static Dataset load(Path dir, boolean train, boolean withImages, boolean withLabels) throws IOException {
        String prefix = train ? "train" : "t10k";
        int[] dims = {0, 28, 28};
        byte[] px = null;
        if (withImages) {
            px = read(find(dir, prefix + "-images-idx3-ubyte"), IMAGE_MAGIC, dims);
        }
        short[] lb = null;
        if (withLabels) {
            Path labelFile = find(dir, prefix + "-labels-idx1-ubyte");
            int[] ldims = new int[1];
            lb = digits(labelFile, read(labelFile, LABEL_MAGIC, ldims));
            if (withImages && dims[0] != ldims[0]) {
                throw new IOException(dir + ": " + dims[0] + " images but " + ldims[0] + " labels in " + labelFile);
            }
            dims[0] = ldims[0];
        }
        return Dataset.ofImages(px, lb, dims[0], Shape.of(1, dims[1], dims[2]), DIGITS);
    }

    static Dataset readImages(Path file) throws IOException {
        int[] dims = {0, 28, 28};
        byte[] px = read(file, IMAGE_MAGIC, dims);
        return Dataset.ofImages(px, null, dims[0], Shape.of(1, dims[1], dims[2]), DIGITS);
    }

    static Dataset readLabeled(Path images, Path labels) throws IOException {
        int[] dims = {0, 28, 28};
        byte[] px = read(images, IMAGE_MAGIC, dims);
        int[] ldims = new int[1];
        short[] lb = digits(labels, read(labels, LABEL_MAGIC, ldims));
        if (ldims[0] != dims[0]) {
            throw new IOException(images + " holds " + dims[0] + " images but " + labels + " " + ldims[0] + " labels");
        }
        return Dataset.ofImages(px, lb, dims[0], Shape.of(1, dims[1], dims[2]), DIGITS);
    }

    private static short[] digits(Path file, byte[] raw) throws IOException {
        short[] out = new short[raw.length];
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] < 0 || raw[i] > 9) {
                throw new IOException(file + ": label " + raw[i] + " at index " + i + " is not a digit");
            }
            out[i] = raw[i];
        }
        return out;
    }

    static void writeImages(Path file, byte[] pixels, int size, Shape example) throws IOException {
        if (example.rank() != 3 || example.dim(0) != 1) {
            throw new IOException("an IDX image file holds single-channel images; these are " + example);
        }
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
                new BufferedOutputStream(Files.newOutputStream(file)), 1 << 16))) {
            out.writeInt(IMAGE_MAGIC);
            out.writeInt(size);
            out.writeInt(example.dim(1));
            out.writeInt(example.dim(2));
            out.write(pixels);
        }
    }

    static void writeLabels(Path file, short[] labels, int size) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(new BufferedOutputStream(
                Files.newOutputStream(file))))) {
            out.writeInt(LABEL_MAGIC);
            out.writeInt(size);
            for (short l : labels) {
                if (l < 0 || l > 255) {
                    throw new IOException("an IDX label file holds classes 0-255, not " + l);
                }
                out.write(l);
            }
        }
    }

    private static Path find(Path dir, String name) throws IOException {
        for (Path p : new Path[]{dir.resolve(name + ".gz"), dir.resolve(name)}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IOException("MNIST file " + name + "[.gz] not found in " + dir.toAbsolutePath()
                + " (see README: how to obtain MNIST)");
    }
    /** Reads an IDX file with the given magic; {@code dims} receives its dimensions. */
    static byte[] read(Path file, int magic, int[] dims) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            DataInputStream data = new DataInputStream(in);
            int m = data.readInt();
            if (m != magic) {
                throw new IOException(file + ": magic number " + m + ", expected " + magic + " (not an IDX "
                        + (magic == IMAGE_MAGIC ? "image" : "label") + " file)");
            }
            long total = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = data.readInt();
                if (dims[i] <= 0 || dims[i] > 10_000_000) {
                    throw new IOException(file + ": implausible dimension " + dims[i]);
                }
                total *= dims[i];
            }
            if (dims.length == 3 && (dims[1] != 28 || dims[2] != 28)) {
                throw new IOException(file + ": images are " + dims[1] + "x" + dims[2] + ", expected 28x28");
            }
            if (total > Integer.MAX_VALUE - 8) {
                throw new IOException(file + ": " + total + " bytes declared, too large");
            }
            byte[] out = new byte[(int) total];
            try {
                data.readFully(out);
            } catch (EOFException e) {
                throw new IOException(file + " is truncated: header declares " + total + " bytes of data", e);
            }
            if (data.read() != -1) {
                throw new IOException(file + " has bytes after the " + total + " its header declares");
            }
            return out;
        }
    }
}
