package dev.kedai.user;

import com.google.protobuf.Timestamp;
import dev.kedai.proto.user.v1.GetUserRequest;
import dev.kedai.proto.user.v1.User;
import dev.kedai.proto.user.v1.UserServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** {@code kedai.user.v1.UserService}. GetAddress comes with addresses (issue 3): UNIMPLEMENTED until then. */
public final class UserGrpc extends UserServiceGrpc.UserServiceImplBase {

    private final UserStore store;

    public UserGrpc(UserStore store) {
        this.store = store;
    }

    /** NOT_FOUND when the profile does not exist (yet). */
    @Override
    public void getUser(GetUserRequest request, StreamObserver<User> response) {
        store.profile(request.getUserId()).ifPresentOrElse(p -> {
            User.Builder user = User.newBuilder()
                    .setUserId(p.userId())
                    .setEmail(p.email())
                    .setName(p.name())
                    .setCreatedAt(Timestamp.newBuilder()
                                          .setSeconds(p.createdAt().getEpochSecond())
                                          .setNanos(p.createdAt().getNano()));
            if (p.phone() != null) {
                user.setPhone(p.phone());
            }
            response.onNext(user.build());
            response.onCompleted();
        }, () -> response.onError(Status.NOT_FOUND.withDescription("no user " + request.getUserId()).asRuntimeException()));
    }
}
