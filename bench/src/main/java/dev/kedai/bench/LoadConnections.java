package dev.kedai.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The load's HTTP/1.1 connections to one target: Netty's HTTP codec on ONE event loop, the same
 * one that walks the schedule ({@link OpenLoop#runOn}), so a request goes out and its answer is
 * read without a thread handing anything to another. The generator shares the cores with what it
 * measures, and each hand-off (a park, a wake-up, a selector wake-up) costs both sides.
 *
 * <p>Keep-alive, one request per connection at a time, a new connection only when every open one
 * is busy (so at most the open loop's cap); nothing added to a request but {@code Host} and
 * {@code Content-Length}, nothing retried: a failure is counted, not hidden. {@link #send} must
 * run on {@link #loop()}.
 */
final class LoadConnections implements AutoCloseable {

    /** How one request ended; called on the loop, once. */
    interface Outcome {
        void answered(int status);

        void failed(String kind);
    }

    // NIO, not the native epoll transport: epoll's timer wakes the schedule to the microsecond, but
    // one wake-up per slot cost the generator 20-70 % more CPU for the same p99 (docs/benchmarks.md)
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final EventLoop loop = group.next();
    private final Bootstrap bootstrap;
    private final String host;
    private final long timeoutNanos;
    // most recently used last: a warm connection is reused first, an idle tail may be closed by the server
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();

    LoadConnections(URI target, Duration timeout) {
        this.host = target.getPort() < 0 ? target.getHost() : target.getHost() + ":" + target.getPort();
        this.timeoutNanos = timeout.toNanos();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .remoteAddress(unbracketed(target.getHost()), target.getPort() < 0 ? 80 : target.getPort())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpClientCodec(), new Answer());
                    }
                });
    }

    // "[::1]" in a URI and a Host header, "::1" as an address
    private static String unbracketed(String host) {
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    /** The event loop every request of this client runs on. */
    EventLoop loop() {
        return loop;
    }

    /** Sends {@code request} on an idle connection, or a new one; on the loop only. */
    void send(BenchRequest request, Outcome outcome) {
        Channel channel;
        while ((channel = idle.pollLast()) != null) {
            if (channel.isActive()) {
                exchange(channel, request, outcome);
                return;
            }
        }
        bootstrap.connect().addListener((ChannelFuture connected) -> {
            if (connected.isSuccess()) {
                exchange(connected.channel(), request, outcome);
            } else {
                outcome.failed(OpenLoopGenerator.failureKind(connected.cause()));
            }
        });
    }

    private void exchange(Channel channel, BenchRequest request, Outcome outcome) {
        Answer answer = channel.pipeline().get(Answer.class);
        answer.begin(outcome, loop.schedule(answer::timedOut, timeoutNanos, TimeUnit.NANOSECONDS));
        // a failed write reaches Answer.exceptionCaught
        channel.writeAndFlush(toNetty(request), channel.voidPromise());
    }

    private FullHttpRequest toNetty(BenchRequest request) {
        ByteBuf body = request.body() == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(request.body());
        FullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(request.method()),
                                                         request.path(), body);
        out.headers().set(HttpHeaderNames.HOST, host);
        request.headers().forEach(out.headers()::set);
        if (request.body() != null) {
            HttpUtil.setContentLength(out, body.readableBytes());
        }
        return out;
    }

    /** Stops the loop and closes every connection; requests still out are left unanswered. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** The answer to a connection's one request in flight. */
    private final class Answer extends ChannelInboundHandlerAdapter {

        private ChannelHandlerContext context;
        private Outcome outcome;
        private ScheduledFuture<?> timer;
        private int status;
        private boolean keepAlive;

        void begin(Outcome outcome, ScheduledFuture<?> timer) {
            this.outcome = outcome;
            this.timer = timer;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            context = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (outcome == null) {
                    ctx.close();   // an answer nobody asked for: the connection is out of step
                    return;
                }
                if (msg instanceof HttpObject part && part.decoderResult().isFailure()) {
                    fail("io_error");
                    ctx.close();
                    return;
                }
                if (msg instanceof HttpResponse head) {
                    status = head.status().code();
                    keepAlive = HttpUtil.isKeepAlive(head);
                }
                if (msg instanceof LastHttpContent) {
                    Outcome done = end();
                    if (keepAlive) {
                        idle.addLast(ctx.channel());
                    } else {
                        ctx.close();
                    }
                    done.answered(status);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // the server closed it before the whole answer came (a kept-alive connection it dropped)
            fail("connection_closed");
            idle.remove(ctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(OpenLoopGenerator.failureKind(cause));
            ctx.close();
        }

        void timedOut() {
            if (outcome != null) {
                fail("timeout");
                context.close();   // its answer may still come: this connection cannot be reused
            }
        }

        private void fail(String kind) {
            if (outcome != null) {
                end().failed(kind);
            }
        }

        private Outcome end() {
            Outcome done = outcome;
            outcome = null;
            timer.cancel(false);
            return done;
        }
    }
}
