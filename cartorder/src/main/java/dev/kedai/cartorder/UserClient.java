package dev.kedai.cartorder;

import dev.kedai.platform.grpc.Peer;
import dev.kedai.platform.grpc.PeerRejection;
import dev.kedai.proto.user.v1.GetAddressRequest;
import dev.kedai.proto.user.v1.UserServiceGrpc.UserServiceBlockingStub;
import io.grpc.Status;

/** Delivery addresses of the user service (gRPC {@code GetAddress}), behind a circuit breaker. */
final class UserClient {

    private final Peer<UserServiceBlockingStub> user;

    UserClient(Peer<UserServiceBlockingStub> user) {
        this.user = user;
    }

    /** Whether {@code addressId} is one of the user's addresses (another user's is the same as none). */
    boolean belongsTo(String userId, String addressId) {
        try {
            user.call(stub -> stub.getAddress(GetAddressRequest.newBuilder()
                                                      .setUserId(userId).setAddressId(addressId).build()));
            return true;
        } catch (PeerRejection e) {
            if (e.code() == Status.Code.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }
}
