package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of README.md and docs/*.md compiles as printed, with only imports
 * added, as the body of {@code static Object run(String[] args)}; a block whose last line declares
 * a variable with its value in a comment ({@code double[] y = r.p0(); // {0.675, 1.5, ...}}) is
 * run and must give exactly that (to 1e-5). Nothing in a block may rely on a name it does not
 * define.
 */
class DocBlocksTest {
    /** The imports a reader adds; nothing else is added to a block. */
    private static final List<String> IMPORTS = List.of("java.util.*", "java.time.*", "java.nio.file.*", "java.net.*",
            "org.spdz4j.core.fixed.*", "org.spdz4j.core.mpc.*", "org.spdz4j.core.ring.*", "org.spdz4j.core.transport.*",
            "org.spdz4j.core.prg.*", "org.spdz4j.triples.*", "org.spdz4j.net.*", "org.spdz4j.run.*", "org.spdz4j.accel.*",
            "org.spdz4j.prediction.*");
    private static final Pattern BLOCK = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL);
    private static final Pattern STATED = Pattern.compile("(?m)^\\S.*?\\b(\\w+) = [^\\n]*;\\s*// \\{([-0-9., ]+)\\}\\s*\\z");

    private record Block(String file, int number, String text) {
        String className() {
            return "Block" + file.replaceAll("\\W", "_") + "_" + number;
        }
    }

    @Test
    void everyJavaBlockCompilesAsPrintedAndGivesItsStatedResult(@TempDir Path dir) throws Exception {
        Path root = Path.of(System.getProperty("spdz4j.repoRoot", ".."));
        List<Block> blocks = new ArrayList<>();
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        for (Path page : pages) {
            Matcher m = BLOCK.matcher(Files.readString(page));
            for (int n = 1; m.find(); n++) {
                blocks.add(new Block(root.relativize(page).toString(), n, m.group(1)));
            }
        }
        assertTrue(blocks.size() >= 4, "README's example, the low-level and networked ones, the backend line: " + blocks);
        List<File> sources = new ArrayList<>();
        for (Block b : blocks) {
            Path source = dir.resolve(b.className() + ".java");
            Files.writeString(source, wrap(b));
            sources.add(source.toFile());
        }
        compile(sources, dir);
        int ran = 0;
        try (URLClassLoader loader = new URLClassLoader(new URL[]{dir.toUri().toURL()}, getClass().getClassLoader())) {
            for (Block b : blocks) {
                Matcher stated = STATED.matcher(b.text());
                if (!stated.find()) {
                    continue; // compiled only (a networked run, a setting)
                }
                Method run = loader.loadClass(b.className()).getMethod("run", String[].class);
                Object result = run.invoke(null, (Object) new String[0]);
                double[] expected = Arrays.stream(stated.group(2).split(",")).mapToDouble(v -> Double.parseDouble(v.strip()))
                        .toArray();
                assertArrayEquals(expected, (double[]) result, 1e-5, b.file() + " block " + b.number());
                ran++;
            }
        }
        assertTrue(ran >= 2, "README's example and the low-level one state their results; ran " + ran);
    }

    /** The block as the body of a method, with the imports and, for a stated result, its return. */
    private static String wrap(Block b) {
        StringBuilder s = new StringBuilder();
        IMPORTS.forEach(i -> s.append("import ").append(i).append(";\n"));
        s.append("\npublic class ").append(b.className()).append(" {\n")
                .append("    public static Object run(String[] args) throws Exception {\n")
                .append("        // ").append(b.file()).append(", block ").append(b.number()).append('\n')
                .append(b.text());
        Matcher stated = STATED.matcher(b.text());
        s.append(stated.find() ? "        return " + stated.group(1) + ";\n" : "        return null;\n");
        return s.append("    }\n}\n").toString();
    }

    /** javac on {@code sources} with this test's class path; a failure shows javac's messages (block and line). */
    private static void compile(List<File> sources, Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        StringWriter messages = new StringWriter();
        List<String> options = List.of("-classpath", classPath, "-d", out.toString(), "-proc:none", "-Xlint:none");
        try (var files = javac.getStandardFileManager(null, null, null)) {
            boolean ok = javac.getTask(messages, files, null, options, null, files.getJavaFileObjectsFromFiles(sources)).call();
            assertEquals("", ok ? "" : messages.toString(), "a block of the docs does not compile as printed");
        }
    }
}
