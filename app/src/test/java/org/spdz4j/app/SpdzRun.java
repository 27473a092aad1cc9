package org.spdz4j.app;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/**
 * One {@code spdz} command run in this JVM, as a user would run it: its exit code and what it
 * printed to stdout and stderr (captured, then restored).
 *
 * <pre>{@code
 * SpdzRun r = SpdzRun.of("keygen", "--role", "P0", "--dir", dir.toString());
 * assertEquals(0, r.code(), r.err());
 * }</pre>
 */
record SpdzRun(int code, String out, String err) {
    static synchronized SpdzRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            int code = Spdz.commandLine().execute(args);
            return new SpdzRun(code, out.toString(), err.toString());
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }
}
