package dev.kedai.auth;

import com.google.protobuf.util.Timestamps;
import dev.kedai.platform.grpc.GrpcCallers;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.Caller;
import dev.kedai.platform.security.UnauthorizedException;
import dev.kedai.proto.auth.v1.AuthServiceGrpc;
import dev.kedai.proto.auth.v1.IntrospectRequest;
import dev.kedai.proto.auth.v1.IntrospectResponse;
import io.grpc.stub.StreamObserver;

/** {@code kedai.auth.v1.AuthService}: token introspection (signature, expiry, issuer, audience, deny list). */
public final class AuthGrpc extends AuthServiceGrpc.AuthServiceImplBase {

    /**
     * Who may call which method (docs/security.md, "Service to service"). No service introspects
     * tokens over gRPC today: each verifies them itself (platform JwtVerifier and the deny list).
     */
    static final GrpcCallers CALLERS = GrpcCallers.builder()
            .allowNone(AuthServiceGrpc.getIntrospectMethod())
            .build();

    private final Authentication authentication;

    public AuthGrpc(Authentication authentication) {
        this.authentication = authentication;
    }

    /** Never an error for a bad token: {@code active=false}, as RFC 7662 does. */
    @Override
    public void introspect(IntrospectRequest request, StreamObserver<IntrospectResponse> response) {
        IntrospectResponse answer;
        try {
            Caller caller = authentication.verify(request.getToken());
            answer = IntrospectResponse.newBuilder()
                    .setActive(true)
                    .setUserId(caller.userId())
                    .addAllGroups(caller.groups().stream().sorted().toList())
                    .setSessionId(caller.sessionId())
                    .setExpiresAt(Timestamps.fromSeconds(caller.expiresAt().getEpochSecond()))
                    .build();
        } catch (UnauthorizedException e) {
            answer = IntrospectResponse.newBuilder().setActive(false).build();
        }
        response.onNext(answer);
        response.onCompleted();
    }
}
