package io.kafkalite.logstore;

import org.lmdbjava.Meta;

/**
 * lmdbjava's native binding. jnr-ffi generates its JNI stubs at run time, with ASM, whose classes a
 * class-data-sharing archive cannot hold (their class files are too old): a few hundred milliseconds of every
 * start on disk. {@link #preload()} moves that work off the starting thread. No logger here: calling it must
 * set up nothing else first.
 */
public final class LmdbBinding {
    private static volatile Throwable failure;

    private LmdbBinding() { }

    /**
     * Starts loading the binding on a thread of its own and returns at once. Called first thing in a process, it
     * overlaps logging and configuration set-up; a store opened meanwhile waits for what is left of it (class
     * initialization is thread-safe). Optional: without it the first store loads the binding.
     */
    public static void preload() {
        Thread loader = new Thread(LmdbBinding::load, "lmdb-preload");
        loader.setDaemon(true);
        loader.start();
    }

    private static void load() {
        try {
            Meta.version();
            LmdbBufferProxy.INSTANCE.getClass(); // its Unsafe set-up
        } catch (RuntimeException | LinkageError e) {
            failure = e;
        }
    }

    /** Why the preload failed, or null: a class whose initialization failed is only "not found" afterwards. */
    static Throwable failure() {
        return failure;
    }
}
