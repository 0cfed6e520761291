package dev.kedai.devstack;

/**
 * A port the stack will listen on.
 *
 * @param port  the port
 * @param owner what wants it, e.g. "stock HTTP"
 * @param flag  the option that changes it, e.g. "--stock-http-port"
 */
public record PortClaim(int port, String owner, String flag) {
}
