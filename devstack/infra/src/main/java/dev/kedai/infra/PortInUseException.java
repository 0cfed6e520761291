package dev.kedai.infra;

/** A server's port is taken; the message is the one line to show the user. */
public final class PortInUseException extends IllegalStateException {

    private final int port;

    PortInUseException(int port, String server, String flag) {
        super("port " + port + " (" + server + ") is already in use; set " + flag + " or stop the other server");
        this.port = port;
    }

    public int port() {
        return port;
    }
}
