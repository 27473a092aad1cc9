package org.spdz4j.layers;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A model's outputs' class names, in order (public: the training data's): as the model and share
 * files store them, and as participants compare them.
 *
 * <pre>{@code
 * ClassNames.describe(List.of("cat", "dog"));   // "cat, dog"
 * }</pre>
 */
public final class ClassNames {
    private ClassNames() {
    }

    /**
     * The names as one line the participants compare: the names in order, or, where they run
     * long, their count, the first few and a SHA-256 of them all.
     */
    public static String describe(List<String> names) {
        String all = String.join(", ", names);
        if (all.length() <= 300) {
            return all;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.join("\n", names)
                    .getBytes(StandardCharsets.UTF_8));
            return names.size() + " classes (" + abbreviated(names) + "), SHA-256 " + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The names for a message: all of them up to twelve, else the first ten, "...", and the last. */
    public static String abbreviated(List<String> names) {
        return names.size() <= 12 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 10)) + ", ... " + names.get(names.size() - 1);
    }

    /** Output {@code k}'s class: its name, or its number where {@code names} is empty (unnamed). */
    public static String name(List<String> names, int k) {
        return names.isEmpty() ? Integer.toString(k) : names.get(k);
    }

    /** Refuses names that are not one a network output ({@code outputs}); none is allowed (unnamed). */
    static List<String> check(List<String> names, int outputs) {
        if (!names.isEmpty() && names.size() != outputs) {
            throw new IllegalArgumentException(names.size() + " class names for a network of " + outputs + " outputs");
        }
        return List.copyOf(names);
    }

    /** Writes their count, then each name. */
    static void write(DataOutputStream out, List<String> names) throws IOException {
        out.writeInt(names.size());
        for (String name : names) {
            out.writeUTF(name);
        }
    }

    /** Reads what {@link #write} wrote in {@code file}, refused unless none or one a network output ({@code outputs}). */
    static List<String> read(DataInputStream in, int outputs, Path file) throws IOException {
        int n = in.readInt();
        if (n != 0 && n != outputs) {
            throw new IOException(file + ": " + n + " class names for a network of " + outputs + " outputs");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(in.readUTF());
        }
        return names;
    }
}
