package dev.kedai.devstack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.TestInfra;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The five services of the system tests: started once per test JVM, on free ports, against
 * {@link TestInfra} (a fresh embedded infra, or the one {@code ./kedai test} runs), tracing into
 * the stack's own OTLP receiver ({@link Stack#traces()}), and stopped
 * when all tests are done (before TestInfra's own shutdown hook stops the infra).
 *
 * <pre>{@code
 * @ExtendWith(StackFixture.class)
 * class SomeSystemTest {
 *     @Test void works(Stack stack) { ... stack.httpUri(KedaiService.STOCK) ... }
 * }
 * }</pre>
 */
public class StackFixture implements BeforeAllCallback, ParameterResolver {
    public static final String ROOT_PROPERTY = "kedai.stack.root";
    /** {@code -Dkedai.stack.replicas=2}: every system test against two instances of each service. */
    public static final String REPLICAS_PROPERTY = "kedai.stack.replicas";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StackFixture.class);

    private final int replicas;

    public StackFixture() {
        this(Integer.getInteger(REPLICAS_PROPERTY, 1));
    }

    private StackFixture(int replicas) {
        this.replicas = replicas;
    }

    /**
     * A stack of its own with two instances of each service behind the edge, for the tests of
     * what replicas change ({@code @ExtendWith(StackFixture.TwoReplicas.class)}); the one-instance
     * stack is stopped while it runs (they share the schemas), and started again after it if needed.
     */
    public static final class TwoReplicas extends StackFixture {
        public TwoReplicas() {
            super(2);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        stack(context, replicas);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Stack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return stack(context, replicas);
    }

    /** The running stack; the first call (per JVM) starts it, which takes a while. */
    public static Stack stack(ExtensionContext context) {
        return stack(context, Integer.getInteger(REPLICAS_PROPERTY, 1));
    }

    private static synchronized Stack stack(ExtensionContext context, int replicas) {
        // the root store lives for the whole test run and closes its resources at the end
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        // one stack at a time: they share the test MariaDB's schemas, and one stack's relay would
        // publish the other's outbox rows to its own (prefixed) topics
        for (int other = 1; other <= 4; other++) {
            if (other != replicas) {
                Running running = store.remove("stack-" + other, Running.class);
                if (running != null) {
                    running.stack().close();
                }
            }
        }
        return store.getOrComputeIfAbsent("stack-" + replicas, key -> new Running(start(replicas)), Running.class)
                .stack();
    }

    /**
     * One set of database passwords per test JVM: every stack here shares the test MariaDB's users,
     * and a second stack with passwords of its own would change them under the first one's feet.
     */
    private static final Map<KedaiService, String> PASSWORDS = newPasswords();

    private static Map<KedaiService, String> newPasswords() {
        Map<KedaiService, String> passwords = new EnumMap<>(KedaiService.class);
        for (KedaiService service : KedaiService.values()) {
            passwords.put(service, DevPasswords.random());
        }
        return passwords;
    }

    private static Stack start(int replicas) {
        // -Dkedai.stack.root runs the tests against service jars built elsewhere
        Path root = Optional.ofNullable(System.getProperty(ROOT_PROPERTY)).map(Path::of)
                .or(() -> StackConfig.findRepoRoot(Path.of("")))
                .orElseThrow(() -> new IllegalStateException("system tests must run inside the Kedai checkout"));
        InfraEndpoints infra = TestInfra.get();
        Map<KedaiService, String> passwords = PASSWORDS;
        Path logs = Path.of(replicas == 1 ? "target/stack-logs" : "target/stack-logs-" + replicas + "x").toAbsolutePath();
        // topics of their own: the other modules' tests publish to the same Kafka in one test run
        List<String> jvm = new ArrayList<>(JvmOptions.forService("192m"));
        jvm.add("-Dkafka.topic-prefix=stack-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        // traced as `./kedai up` is (a receiver on a free port, every new trace kept): TracedPurchaseSystemTest reads it
        StackSpec spec = new StackSpec(root, logs, StackSpec.freePorts(), passwords, 1, Duration.ofMinutes(3), jvm,
                0, true, Map.of(), StackSpec.LOOPBACK, 0, 1.0).withReplicas(replicas);
        Progress progress = new Progress(System.out);
        progress.step("starting the five services for the system tests" + (replicas > 1 ? ", " + replicas + " instances of each" : "")
                + ", logs in " + spec.logDir());
        Stack stack = new Stack(spec);
        // normally the root store closes it; this covers a test JVM ended by a signal (no orphan JVMs)
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "kedai-stack-fixture-stop"));
        return stack.start(infra, progress, System.err::println);
    }

    private record Running(Stack stack) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            stack.close();
        }
    }
}
