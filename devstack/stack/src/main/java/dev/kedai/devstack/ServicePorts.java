package dev.kedai.devstack;

/** The three listening ports of one service. */
public record ServicePorts(int http, int grpc, int admin) {

    public ServicePorts plus(int offset) {
        return new ServicePorts(http + offset, grpc + offset, admin + offset);
    }
}
