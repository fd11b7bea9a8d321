package io.kafkalite.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One network namespace per node, joined by a bridge in this (the root) namespace, so that a network partition can be
 * made: iptables rules inside a node's namespace drop its traffic with the other nodes' addresses. Processes that all
 * bind 127.0.0.1 cannot be told apart by address (every outgoing connection has source 127.0.0.1), hence this.
 * Node {@code k} has the address {@code 10.213.S.k}; this JVM (the clients, the tools) reaches every node through
 * the bridge ({@code 10.213.S.254}) and is never partitioned, as in Jepsen, where clients keep their connections.
 * Needs root and iproute2 + iptables; {@link #available()} says whether they work here.
 */
final class NetNamespaces implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    /** {@code klns<pid>-<seq>-<node>}: the owner's pid lets a later run remove what a killed JVM left behind. */
    private static final Pattern NAMESPACE = Pattern.compile("klns(\\d+)-(\\d+)-(\\d+)");

    private final String tag;
    private final int subnet;
    private final int nodes;

    private NetNamespaces(String tag, int subnet, int nodes) {
        this.tag = tag;
        this.subnet = subnet;
        this.nodes = nodes;
    }

    /** Whether namespaces, veth pairs, bridges and iptables work on this machine (root, iproute2, iptables). */
    static boolean available() {
        return Subprocess.works(List.of("ip", "netns", "list")) && Subprocess.works(List.of("iptables", "-w", "-L", "-n"))
                && "root".equals(System.getProperty("user.name"));
    }

    /** Creates the bridge and {@code nodes} namespaces (1..nodes), each with a veth into the bridge. */
    static NetNamespaces create(int nodes) throws IOException, InterruptedException {
        removeStale();
        long pid = ProcessHandle.current().pid();
        int seq = SEQUENCE.getAndIncrement() % 10;
        NetNamespaces net = new NetNamespaces(pid + "-" + seq, (int) ((pid * 10 + seq) % 200) + 20, nodes);
        try {
            net.setUp(pid, seq);
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    private String bridge() {
        return "klb" + tag.replace("-", "");
    }

    private String veth(int node) {
        return "klv" + tag.replace("-", "") + node;
    }

    String namespace(int node) {
        return "klns" + tag + "-" + node;
    }

    String host(int node) {
        return "10.213." + subnet + "." + node;
    }

    private void setUp(long pid, int seq) throws IOException, InterruptedException {
        run("ip", "link", "add", bridge(), "type", "bridge");
        run("ip", "addr", "add", "10.213." + subnet + ".254/24", "dev", bridge());
        run("ip", "link", "set", bridge(), "up");
        for (int n = 1; n <= nodes; n++) {
            run("ip", "netns", "add", namespace(n));
            run("ip", "link", "add", veth(n), "type", "veth", "peer", "name", "eth0", "netns", namespace(n));
            run("ip", "link", "set", veth(n), "master", bridge(), "up");
            inside(n, "ip", "addr", "add", host(n) + "/24", "dev", "eth0");
            inside(n, "ip", "link", "set", "eth0", "up");
            inside(n, "ip", "link", "set", "lo", "up");
        }
    }

    /** {@code command} to run inside node {@code node}'s namespace ({@code ip netns exec} execs it: same pid). */
    List<String> wrap(int node, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(node)));
        cmd.addAll(command);
        return cmd;
    }

    /** Cuts every node of {@code side} off from every node outside it (both directions, packets dropped, not refused). */
    void partition(Set<Integer> side) throws IOException, InterruptedException {
        for (int a : side) {
            for (int b = 1; b <= nodes; b++) {
                if (!side.contains(b)) {
                    inside(a, "iptables", "-w", "-A", "INPUT", "-s", host(b), "-j", "DROP");
                    inside(a, "iptables", "-w", "-A", "OUTPUT", "-d", host(b), "-j", "DROP");
                }
            }
        }
    }

    /** Removes every partition. */
    void heal() throws IOException, InterruptedException {
        for (int n = 1; n <= nodes; n++) {
            inside(n, "iptables", "-w", "-F");
        }
    }

    /** Whether a TCP connection from inside node {@code from}'s namespace to {@code host:port} opens within 2 s. */
    boolean canConnect(int from, String host, int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(wrap(from, List.of("timeout", "2", "bash", "-c", "echo > /dev/tcp/" + host + "/" + port)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return false;
        }
        return p.exitValue() == 0;
    }

    private void inside(int node, String... command) throws IOException, InterruptedException {
        run(wrap(node, List.of(command)));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        run(List.of(command));
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
    }

    /** Deletes the namespaces (their veth ends go with them) and the bridge; quiet about what is already gone. */
    @Override
    public void close() {
        for (int n = 1; n <= nodes; n++) {
            quietly("ip", "netns", "delete", namespace(n));
        }
        quietly("ip", "link", "delete", bridge());
    }

    /** Removes the namespaces and bridges of JVMs that died without closing theirs (a killed Surefire fork). */
    static void removeStale() {
        Path dir = Path.of("/run/netns");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                Matcher m = NAMESPACE.matcher(p.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    quietly("ip", "netns", "delete", m.group());
                    quietly("ip", "link", "delete", "klb" + m.group(1) + m.group(2));
                }
            }
        } catch (IOException e) {
            // nothing to clean up that we can see
        }
    }

    private static void quietly(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // best effort
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
