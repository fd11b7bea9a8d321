package io.kafkalite.logstore;

import org.lmdbjava.Meta;

/**
 * lmdbjava's native binding, made by jnr-ffi at run time: a few hundred milliseconds of every start on disk.
 * Two things shorten it. jnr-ffi's reflective invoker replaces its generated stubs: generating them runs ASM,
 * whose classes a class-data-sharing archive cannot hold (their class files are too old), so it is loaded,
 * verified and interpreted anew at each start (about 80 ms with the archive, 200 ms without); the invoker
 * costs about 0.2 microseconds more per LMDB call, and the broker makes a few per fetch and per committed
 * batch. {@link #preload()} then moves the rest off the starting thread. No logger here: calling this class
 * must set up nothing else first.
 */
public final class LmdbBinding {
    /** jnr-ffi's switch between generated stubs (true, its default) and the reflective invoker; the JVM's own setting wins. */
    static final String GENERATED_STUBS = "jnr.ffi.asm.enabled";
    private static volatile Throwable preloadFailure;

    private LmdbBinding() { }

    /**
     * Starts loading the binding on a thread of its own and returns at once. Called first thing in a process, it
     * overlaps logging and configuration set-up; a store opened meanwhile waits for what is left of it (class
     * initialization is thread-safe). Optional: without it the first store loads the binding.
     */
    public static void preload() {
        Thread loader = new Thread(() -> {
            try {
                load();
            } catch (RuntimeException | LinkageError e) {
                preloadFailure = e;
            }
        }, "lmdb-preload");
        loader.setDaemon(true);
        loader.start();
    }

    /** Loads the binding if nothing has yet (the first call does the work, later ones wait for it or return). */
    static void load() {
        if (System.getProperty(GENERATED_STUBS) == null) {
            System.setProperty(GENERATED_STUBS, "false");
        }
        Meta.version();
        LmdbBufferProxy.INSTANCE.getClass(); // its Unsafe set-up
    }

    /** Why the preload failed, or null: a class whose initialization failed is only "not found" afterwards. */
    static Throwable preloadFailure() {
        return preloadFailure;
    }
}
