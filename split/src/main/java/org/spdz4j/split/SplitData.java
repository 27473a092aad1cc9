package org.spdz4j.split;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.spdz4j.data.Dataset;
import org.spdz4j.data.Partitions;

/**
 * The data of a split-learning run, matched by sample id. Each data holder has its images (an
 * IDX image file) and beside it an id file naming image i on line i; the label holder has a CSV
 * file {@code id,label}. The holders send their id lists to the label holder, which
 * {@linkplain #match matches} them against its file: a holder's id missing from the labels, an
 * id listed twice by one holder or held by two holders is refused naming it. Ids are not secret
 * here (split learning's usual assumption); the images and the labels are.
 *
 * <pre>{@code
 * SplitData.HolderPart mine = SplitData.readHolder(Path.of("holder0-images-idx3-ubyte.gz"), Path.of("holder0.ids"));
 * Map<String, Integer> labels = SplitData.readLabels(Path.of("labels.csv"));
 * int[][] y = SplitData.match(List.of(mine.ids(), other.ids()), labels);   // y[h][i]: label of holder h's image i
 * }</pre>
 */
public final class SplitData {
    private SplitData() {
    }

    /** A data holder's samples: {@code ids.get(i)} names image i of {@code images}. */
    public record HolderPart(List<String> ids, Dataset images) {
        public HolderPart {
            if (ids.size() != images.size()) {
                throw new IllegalArgumentException(ids.size() + " ids for " + images.size() + " images");
            }
        }
    }

    /**
     * A holder's own part: an IDX image file with its id file ({@code ids}, one id per line), or,
     * without {@code ids}, a folder of images (ids: the file names) or a CSV file with an id
     * column; images read as {@code layout} says.
     */
    public static HolderPart readHolder(Path images, Path ids, Dataset.Layout layout, String idColumn) throws IOException {
        if (ids != null) {
            return readHolder(images, ids);
        }
        Dataset.Named named = Dataset.loadNamed(images, layout, idColumn);
        for (int i = 0; i < named.ids().size(); i++) {
            if (!validId(named.ids().get(i))) {
                throw new IOException(images + ": not a sample id: '" + named.ids().get(i) + "' (example " + (i + 1)
                        + "; 1 to 64 characters, no blanks or commas)");
            }
        }
        return new HolderPart(named.ids(), named.inputs());
    }

    /** A holder's images and id file, refused unless the file names every image once per line. */
    public static HolderPart readHolder(Path images, Path ids) throws IOException {
        Dataset m = Dataset.readImages(images);
        List<String> list = readIds(ids);
        if (list.size() != m.size()) {
            throw new IOException(ids + " names " + list.size() + " samples but " + images + " holds " + m.size() + " images");
        }
        return new HolderPart(list, m);
    }

    /** One sample id per line; a blank line or an id with a comma or a space is refused naming the line. */
    static List<String> readIds(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("the id file " + file + " does not exist");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (!validId(lines.get(i))) {
                throw new IOException(file + ":" + (i + 1) + ": not a sample id: '" + lines.get(i)
                        + "' (1 to 64 characters, no blanks or commas)");
            }
        }
        return lines;
    }

    private static boolean validId(String id) {
        return !id.isEmpty() && id.length() <= 64 && id.chars().noneMatch(c -> c == ',' || Character.isWhitespace(c));
    }

    /**
     * The label holder's file: a header {@code id,label}, then one sample per record. Labels that
     * are all whole numbers (0 to 32,767) are the class indices themselves (MNIST's digits);
     * otherwise the classes are the distinct labels, sorted by name, numbered from 0.
     */
    public static Map<String, Integer> readLabels(Path file) throws IOException {
        return readLabelFile(file).labels();
    }

    /**
     * A label file read once: each sample's class number, as {@link #readLabels} gives them, and
     * the classes it names in that order (its distinct labels sorted by name), or an empty list
     * where its labels are class numbers themselves.
     */
    public record LabelFile(Map<String, Integer> labels, List<String> classes) {
    }

    /** The label file {@code file}, its labels and its classes' names, as {@link LabelFile} says. */
    public static LabelFile readLabelFile(Path file) throws IOException {
        Map<String, String> named = readLabelNames(file);
        boolean numbers = named.values().stream().allMatch(l -> l.matches("[0-9]{1,5}") && Integer.parseInt(l) <= Short.MAX_VALUE);
        List<String> classes = named.values().stream().distinct().sorted().toList();
        Map<String, Integer> out = new LinkedHashMap<>();
        named.forEach((id, label) -> out.put(id, numbers ? Integer.parseInt(label) : classes.indexOf(label)));
        return new LabelFile(out, numbers ? List.of() : classes);
    }

    /**
     * Refuses labels that are not classes of a network with {@code outputs} outputs, naming the
     * sample and the {@code file}.
     */
    public static void requireClasses(Map<String, Integer> labels, int outputs, Path file) {
        labels.forEach((id, k) -> {
            if (k >= outputs) {
                throw new IllegalArgumentException(file + ": sample " + id + " has class " + k + ", but the network has "
                        + outputs + " outputs (classes 0 to " + (outputs - 1) + ")");
            }
        });
    }

    private static Map<String, String> readLabelNames(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("the label file " + file + " does not exist");
        }
        Map<String, String> out = new LinkedHashMap<>();
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8); CSVParser csv = format.parse(r)) {
            if (!csv.getHeaderNames().equals(List.of("id", "label"))) {
                throw new IOException(file + ": the header must be 'id,label', got " + csv.getHeaderNames());
            }
            for (CSVRecord rec : csv) {
                String where = file + ": record " + rec.getRecordNumber();
                if (!rec.isConsistent()) {
                    throw new IOException(where + ": expected 2 fields, got " + rec.size());
                }
                String id = rec.get("id");
                String label = rec.get("label");
                if (!validId(id)) {
                    throw new IOException(where + ": not a sample id: '" + id + "'");
                }
                if (label.isBlank()) {
                    throw new IOException(where + ": the label of " + id + " is empty");
                }
                if (out.put(id, label.trim()) != null) {
                    throw new IOException(where + ": id " + id + " appears twice");
                }
            }
        } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
            throw new IOException(file + ": not a CSV file of id,label: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * The label of every holder's every sample: {@code [h][i]} for holder h's image i. Refused,
     * naming the id and the holders, when an id is missing from {@code labels}, listed twice by a
     * holder, or held by two holders.
     */
    static int[][] match(List<List<String>> holderIds, Map<String, Integer> labels) {
        Map<String, Integer> heldBy = new HashMap<>();
        int[][] out = new int[holderIds.size()][];
        for (int h = 0; h < holderIds.size(); h++) {
            List<String> ids = holderIds.get(h);
            out[h] = new int[ids.size()];
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get(i);
                Integer other = heldBy.put(id, h);
                if (other != null) {
                    throw new IllegalArgumentException(other == h
                            ? SplitTraining.holder(h) + " lists sample id " + id + " twice"
                            : "sample id " + id + " is held by both " + SplitTraining.holder(other) + " and "
                            + SplitTraining.holder(h));
                }
                Integer label = labels.get(id);
                if (label == null) {
                    throw new IllegalArgumentException(SplitTraining.holder(h) + "'s sample id " + id
                            + " (its image " + i + ") has no label in the label holder's file");
                }
                out[h][i] = label;
            }
        }
        return out;
    }

    /**
     * Where {@link #prepare} put each participant's files: each holder's images (an IDX file, a
     * folder of PNG images or a CSV file) with its id file (null where the part names its samples
     * itself), and the label holder's file.
     */
    public record Prepared(List<Path> images, List<Path> ids, Path labels) {
    }

    /**
     * For demos and tests: cuts the first {@code n} training examples of {@code train} into
     * {@code holders} contiguous parts, writes each holder's part into {@code dir}, and the label
     * file listing all of them in a seeded shuffled order (the label holder's order is its own)
     * with each one's class number. A part is in its data's own layout: MNIST's digits as an IDX
     * file with an id file beside it ({@code mnist-train-00017} names training image 17), other
     * images as a folder of PNG files named by id, tabular rows as a CSV file with the column
     * {@code id} ({@code train-00017}).
     */
    public static Prepared prepare(Path dir, Dataset train, int holders, int n, long seed) throws IOException {
        List<Path> images = new ArrayList<>();
        List<Path> ids = new ArrayList<>();
        boolean idx = train.isIdx();
        java.util.function.IntFunction<String> id = idx ? SplitData::mnistId : i -> String.format("train-%05d", i);
        int[] sizes = SplitTraining.partSizes(holders, n);
        for (int h = 0, from = 0; h < holders; from += sizes[h++]) {
            int[] part = java.util.stream.IntStream.range(from, from + sizes[h]).toArray();
            List<String> names = java.util.Arrays.stream(part).mapToObj(id).toList();
            Dataset mine = train.select(part);
            if (idx) {
                Path px = dir.resolve("holder" + h + "-images-idx3-ubyte.gz");
                mine.writeImages(px);
                Path list = dir.resolve("holder" + h + ".ids");
                Files.write(list, names, StandardCharsets.UTF_8);
                images.add(px);
                ids.add(list);
            } else {
                Path own = dir.resolve("holder" + h + (mine.example().rank() == 1 ? ".csv" : ""));
                mine.writeNamed(own, names, "id");
                images.add(own);
                ids.add(null);
            }
        }
        int[] order = Partitions.shuffled(n, new SplittableRandom(seed));
        StringBuilder csv = new StringBuilder("id,label\n");
        for (int i : order) {
            csv.append(id.apply(i)).append(',').append(train.label(i)).append('\n');
        }
        Path labels = dir.resolve("labels.csv");
        Files.writeString(labels, csv);
        return new Prepared(images, ids, labels);
    }

    /** The id of MNIST training image {@code i}. */
    static String mnistId(int i) {
        return String.format("mnist-train-%05d", i);
    }
}
