package io.kafkalite.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external program (no shell) with its output in files, a timeout, and a tail for assertion messages. */
final class Subprocess {
    static final Duration TIMEOUT = Duration.ofSeconds(120);

    private Subprocess() { }

    record Result(List<String> command, int exitCode, boolean timedOut, Duration took, Path stdout, Path stderr) {
        boolean ok() {
            return !timedOut && exitCode == 0;
        }

        /** What happened, with the last lines of stdout and stderr, for an assertion message. */
        String report() {
            String status = timedOut ? "timed out after " + took.toSeconds() + " s and was killed" : "exited with " + exitCode;
            return String.join(" ", command) + " " + status + " after " + took.toMillis() + " ms"
                    + "\n--- stdout (" + stdout + "), last lines:\n" + tail(stdout, 40)
                    + "\n--- stderr (" + stderr + "), last lines:\n" + tail(stderr, 25)
                    + "\n--- (the in-process broker's log is in target/surefire-reports/<test class>-output.txt)";
        }

        String stdoutText() throws IOException {
            return Files.readString(stdout, StandardCharsets.UTF_8);
        }
    }

    /**
     * Runs {@code command} in {@code workDir} (null: the current one), stdin from {@code stdin} (null: none),
     * stdout and stderr into {@code outDir/name.out} and {@code outDir/name.err}; kills it (and its children)
     * when it outlives {@code timeout}.
     */
    static Result run(List<String> command, Path workDir, Path stdin, Path outDir, String name, Duration timeout)
            throws IOException, InterruptedException {
        return run(command, Map.of(), workDir, stdin, outDir, name, timeout);
    }

    /** As above, with {@code env} added to (and overriding) this JVM's environment. */
    static Result run(List<String> command, Map<String, String> env, Path workDir, Path stdin, Path outDir, String name,
                      Duration timeout) throws IOException, InterruptedException {
        Path out = outDir.resolve(name + ".out");
        Path err = outDir.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        } else {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        long start = System.nanoTime();
        Process p = pb.start();
        boolean exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        return new Result(List.copyOf(command), exited ? p.exitValue() : -1, !exited, took, out, err);
    }

    /** Whether {@code command} can be started and exits 0 within 30 s (a probe for an installed tool). */
    static boolean works(List<String> command) {
        return works(command, Map.of());
    }

    /** As above, with {@code env} added to this JVM's environment. */
    static boolean works(List<String> command, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no file)";
            }
            List<String> all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            List<String> last = new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size()));
            if (all.size() > lines) {
                last.add(0, "... (" + (all.size() - lines) + " earlier lines)");
            }
            return String.join("\n", last);
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    /** The module's directory (Surefire runs tests there and also sets {@code basedir}). */
    static Path moduleDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    }
}
