package dev.kedai.devstack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.TestInfra;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The five services of the system tests: started once per test JVM, on free ports, against
 * {@link TestInfra} (a fresh embedded infra, or the one {@code ./kedai test} runs), and stopped
 * when all tests are done (before TestInfra's own shutdown hook stops the infra).
 *
 * <pre>{@code
 * @ExtendWith(StackFixture.class)
 * class SomeSystemTest {
 *     @Test void works(Stack stack) { ... stack.httpUri(KedaiService.STOCK) ... }
 * }
 * }</pre>
 */
public final class StackFixture implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StackFixture.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        stack(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Stack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return stack(context);
    }

    /** The running stack; the first call (per JVM) starts it, which takes a while. */
    public static Stack stack(ExtensionContext context) {
        // the root store lives for the whole test run and closes its resources at the end
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Running.class, key -> new Running(start()), Running.class)
                .stack();
    }

    private static Stack start() {
        Path root = StackConfig.findRepoRoot(Path.of("")).orElseThrow(
                () -> new IllegalStateException("system tests must run inside the Kedai checkout"));
        InfraEndpoints infra = TestInfra.get();
        Map<KedaiService, String> passwords = new EnumMap<>(KedaiService.class);
        for (KedaiService service : KedaiService.values()) {
            passwords.put(service, DevPasswords.random());
        }
        StackSpec spec = new StackSpec(root, root.resolve("devstack/stack/target/stack-logs"), StackSpec.freePorts(),
                passwords, 1, Duration.ofMinutes(3), JvmOptions.forService("192m"));
        Progress progress = new Progress(System.out);
        progress.step("starting the five services for the system tests, logs in " + spec.logDir());
        return new Stack(spec).start(infra, progress, System.err::println);
    }

    private record Running(Stack stack) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            stack.close();
        }
    }
}
