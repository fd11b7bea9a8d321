package io.kafkalite.compat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A main class of the test classpath in its own JVM, its output appended to a log file: a program to kill -9. */
final class JvmProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private JvmProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** {@code java <jvmOptions> -cp <the test classpath> <mainClass>}. */
    static List<String> command(String mainClass, List<String> jvmOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        return cmd;
    }

    static JvmProcess start(Class<?> main, Path log, String... args) throws IOException {
        List<String> cmd = command(main.getName(), List.of("-Xmx384m"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new JvmProcess(pb.start(), log);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, and wait for the process to be gone. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Waits up to {@code timeout} for the process to exit and gives its exit code; fails if it is still running. */
    int exitCode(java.time.Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + ": " + report());
        }
        return process.exitValue();
    }

    String log() throws IOException {
        return java.nio.file.Files.readString(log);
    }

    /** Its state and the last lines of its log, for assertion messages. */
    String report() {
        String state = process.isAlive() ? "running" : "exited with " + process.exitValue();
        return "process " + process.pid() + " " + state + "; last lines of " + log + ":\n" + Subprocess.tail(log, 30);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill9();
        }
    }
}
