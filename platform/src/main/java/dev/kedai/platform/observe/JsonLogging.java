package dev.kedai.platform.observe;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import java.util.logging.LogRecord;

/**
 * Makes java.util.logging (which Helidon, grpc-java and slf4j-jdk14 all write to) print JSON
 * lines on stdout. Skipped when a logging configuration file was given explicitly
 * ({@code -Djava.util.logging.config.file}), as the tests do.
 */
public final class JsonLogging {

    // LogManager holds loggers weakly: keep ours or its level is forgotten
    private static final Logger KEDAI = Logger.getLogger("dev.kedai");

    private JsonLogging() {
    }

    /** Replaces the root handlers with one stdout handler using {@link JsonLogFormatter}; {@code level} for our loggers. */
    public static void install(Level kedaiLevel) {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            return;
        }
        Logger root = LogManager.getLogManager().getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(new StdoutHandler());
        root.setLevel(Level.INFO);
        KEDAI.setLevel(kedaiLevel);
    }

    /** Writes to the real stdout and flushes each line, so lines are not lost or interleaved at exit. */
    private static final class StdoutHandler extends StreamHandler {
        StdoutHandler() {
            super(new PrintStream(new FileOutputStream(FileDescriptor.out), false), new JsonLogFormatter());
            setLevel(Level.ALL);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush();
        }

        @Override
        public synchronized void close() {
            flush();
        }
    }
}
