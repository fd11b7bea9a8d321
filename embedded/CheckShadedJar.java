import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Checks kafkalite-embedded's shaded jar and its dependency-reduced POM, so that nothing of ours can clash with
 * a user's classpath. The build runs it in the verify phase: {@code java CheckShadedJar.java <jar> <pom>}.
 * Exits 1 listing every problem.
 */
public class CheckShadedJar {
    /** Classes live under these; everything bundled from elsewhere is relocated under the second. */
    private static final String OURS = "io/kafkalite/";
    private static final String SHADED = "io/kafkalite/shaded/";
    /** Never bundled, relocated or not. */
    private static final List<String> FORBIDDEN = List.of("scala/", "com/fasterxml/jackson/", "org/apache/zookeeper/",
            "org/jose4j/", "org/slf4j/", "org/junit/", "io/netty/internal/tcnative/", "com/github/luben/", "net/jpountz/",
            "org/xerial/snappy/", "com/kenai/jffi/");
    /** Resources other jars read by these names: ours would shadow the user's. */
    private static final Set<String> SHADOWING = Set.of("kafka/kafka-version.properties", "META-INF/io.netty.versions.properties",
            "simplelogger.properties", "log4j.properties", "logback.xml");
    /** The public API, not relocated. */
    private static final List<String> API = List.of("io/kafkalite/broker/Broker.class", "io/kafkalite/broker/BrokerBuilder.class",
            "io/kafkalite/junit/KafkaliteExtension.class", "io/kafkalite/junit/EmbeddedKafkalite.class");
    /** What the published POM may bring to a user's classpath (compile or runtime scope). */
    private static final Set<String> ALLOWED_DEPENDENCIES = Set.of("org.slf4j:slf4j-api", "com.github.jnr:jffi");

    public static void main(String[] args) throws Exception {
        File jar = new File(args[0]);
        List<String> problems = new ArrayList<>();
        int classes = checkJar(jar, problems);
        checkPom(new File(args[1]), problems);
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("CheckShadedJar: " + p));
            System.exit(1);
        }
        System.out.printf("CheckShadedJar: %s is %.1f MB, %d classes, nothing un-relocated, POM clean%n",
                jar.getName(), jar.length() / 1024.0 / 1024.0, classes);
    }

    private static int checkJar(File file, List<String> problems) throws IOException {
        Set<String> names = new TreeSet<>();
        try (JarFile jar = new JarFile(file)) {
            jar.stream().map(ZipEntry::getName).forEach(names::add);
            for (String name : names) {
                checkEntry(name, problems);
                if (name.startsWith("META-INF/services/") && !name.endsWith("/")) {
                    checkService(name, jar.getInputStream(jar.getEntry(name)), names, problems);
                }
            }
        }
        for (String api : API) {
            if (!names.contains(api)) {
                problems.add("missing public API class " + api);
            }
        }
        return (int) names.stream().filter(n -> n.endsWith(".class")).count();
    }

    private static void checkEntry(String name, List<String> problems) {
        for (String forbidden : FORBIDDEN) {
            if (name.startsWith(forbidden) || name.startsWith(SHADED + forbidden)) {
                problems.add("bundles " + name);
            }
        }
        if (SHADOWING.contains(name)) {
            problems.add("bundles " + name + ", which would shadow the user's");
        }
        if (name.endsWith(".class") && !name.startsWith(OURS)) {
            problems.add("class outside io/kafkalite (not relocated): " + name);
        }
        if (name.endsWith("module-info.class") || name.startsWith("META-INF/versions/")) {
            problems.add("module descriptor or multi-release entry: " + name);
        }
        boolean nativeLibrary = name.endsWith(".so") || name.endsWith(".dll") || name.endsWith(".dylib") || name.endsWith(".jnilib");
        if (nativeLibrary && !name.startsWith(SHADED + "org/lmdbjava/")) {
            problems.add("native library other than lmdbjava's relocated one: " + name);
        }
    }

    /** A service file's implementations must be classes of this jar (so their names were relocated too). */
    private static void checkService(String name, InputStream in, Set<String> names, List<String> problems) throws IOException {
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            String impl = line.replaceAll("#.*", "").trim();
            if (!impl.isEmpty() && !names.contains(impl.replace('.', '/') + ".class")) {
                problems.add(name + " names " + impl + ", which is not in the jar");
            }
        }
    }

    private static void checkPom(File pom, List<String> problems) throws Exception {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom).getDocumentElement();
        for (Node n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (!"dependencies".equals(n.getNodeName())) {
                continue;
            }
            NodeList deps = ((Element) n).getElementsByTagName("dependency");
            for (int i = 0; i < deps.getLength(); i++) {
                Element dep = (Element) deps.item(i);
                String id = text(dep, "groupId") + ":" + text(dep, "artifactId");
                String scope = text(dep, "scope");
                boolean reachesUsers = scope == null || scope.equals("compile") || scope.equals("runtime");
                if (reachesUsers && !ALLOWED_DEPENDENCIES.contains(id)) {
                    problems.add("the published POM depends on " + id + " (" + (scope == null ? "compile" : scope) + ")");
                }
            }
        }
    }

    private static String text(Element dep, String tag) {
        NodeList nodes = dep.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
    }
}
