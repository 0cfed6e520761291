package dev.kedai.user;

import dev.kedai.platform.grpc.GrpcCallers;
import dev.kedai.platform.proto.ProtoTime;
import dev.kedai.proto.user.v1.GetAddressRequest;
import dev.kedai.proto.user.v1.GetUserRequest;
import dev.kedai.proto.user.v1.User;
import dev.kedai.proto.user.v1.UserServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** {@code kedai.user.v1.UserService}: users and their addresses for cartorder. */
public final class UserGrpc extends UserServiceGrpc.UserServiceImplBase {

    /**
     * Who may call which method (docs/security.md, "Service to service"): cartorder reads the
     * address of a checkout (UserClient); no service reads a whole user today.
     */
    static final GrpcCallers CALLERS = GrpcCallers.builder()
            .allow(UserServiceGrpc.getGetAddressMethod(), "cartorder")
            .allowNone(UserServiceGrpc.getGetUserMethod())
            .build();

    private final UserStore store;
    private final AddressStore addresses;

    public UserGrpc(UserStore store, AddressStore addresses) {
        this.store = store;
        this.addresses = addresses;
    }

    /** NOT_FOUND when the address does not exist or belongs to another user (ids are not probed). */
    @Override
    public void getAddress(GetAddressRequest request, StreamObserver<dev.kedai.proto.user.v1.Address> response) {
        Address a = addresses.find(request.getUserId(), request.getAddressId())
                .orElseThrow(() -> Status.NOT_FOUND.withDescription("no address " + request.getAddressId()
                                                                     + " of user " + request.getUserId()).asRuntimeException());
        response.onNext(dev.kedai.proto.user.v1.Address.newBuilder()
                                .setAddressId(a.addressId())
                                .setUserId(request.getUserId())
                                .setLabel(a.label())
                                .setRecipient(a.recipient())
                                .setLine1(a.line1())
                                .setCity(a.city())
                                .setPostalCode(a.postalCode())
                                .setCountry(a.country())
                                .build());
        response.onCompleted();
    }

    /** NOT_FOUND when the profile does not exist (yet). */
    @Override
    public void getUser(GetUserRequest request, StreamObserver<User> response) {
        Profile p = store.profile(request.getUserId())
                .orElseThrow(() -> Status.NOT_FOUND.withDescription("no user " + request.getUserId()).asRuntimeException());
        User.Builder user = User.newBuilder()
                .setUserId(p.userId())
                .setEmail(p.email())
                .setName(p.name())
                .setCreatedAt(ProtoTime.timestamp(p.createdAt()));
        if (p.phone() != null) {
            user.setPhone(p.phone());
        }
        response.onNext(user.build());
        response.onCompleted();
    }
}
