package io.kafkalite.logstore;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Small real filesystems for fault tests (the tests run as root, as CI does). */
final class Mounts {
    private Mounts() { }

    static void tmpfs(Path at, String size) throws Exception {
        run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString());
    }

    static void resize(Path at, String size) throws Exception {
        run("mount", "-o", "remount,size=" + size, at.toString());
    }

    static void unmount(Path at) throws Exception {
        run("umount", "-l", at.toString());
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (the fault tests need root, as CI has): "
                    + new String(p.getInputStream().readAllBytes()));
        }
    }
}
