package io.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * What a missing non-Java client means. Locally: the test is skipped, loudly (a line on stderr and a skip
 * message naming the tool and the command that installs it). Where the environment variable {@code CI} is
 * set (CI runs {@code install-clients.sh} first, so every client must be there): the test fails.
 */
final class Clients {
    static final String INSTALL = "bash compat-tests/install-clients.sh";

    private Clients() { }

    /** True where a missing client is a failure: {@code CI} is set to anything but empty or "false". */
    static boolean required() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }

    /**
     * Does nothing if {@code present}; otherwise skips the test (fails it under CI) with a message naming
     * {@code tool} and how to install it ({@code how}, e.g. "apt package kcat").
     */
    static void require(boolean present, String tool, String how) {
        if (present) {
            return;
        }
        String message = "MISSING CLIENT " + tool + ": install it with `" + INSTALL + "` (" + how + ")";
        if (required()) {
            fail(message + " [CI is set, so a missing client fails the test instead of skipping it]");
        }
        System.err.println("SKIPPED, " + message);
        Assumptions.abort(message);
    }
}
