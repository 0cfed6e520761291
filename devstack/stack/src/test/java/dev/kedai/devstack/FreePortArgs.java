package dev.kedai.devstack;

import java.util.ArrayList;
import java.util.List;

/** Launcher flags that put every port of a stack on one free now, so a test does not depend on what else runs here. */
final class FreePortArgs {

    private FreePortArgs() {
    }

    static List<String> all() {
        List<Integer> free = Ports.pickFree(21);
        List<String> args = new ArrayList<>();
        int i = 0;
        args.addAll(List.of("--edge-port", String.valueOf(free.get(i++))));
        for (KedaiService service : KedaiService.values()) {
            args.addAll(List.of("--" + service.id() + "-http-port", String.valueOf(free.get(i++)),
                    "--" + service.id() + "-grpc-port", String.valueOf(free.get(i++)),
                    "--" + service.id() + "-admin-port", String.valueOf(free.get(i++))));
        }
        for (String flag : List.of("--mariadb-port", "--redis-port", "--kafka-port", "--kafka-controller-port",
                "--trace-port")) {
            args.addAll(List.of(flag, String.valueOf(free.get(i++))));
        }
        return args;
    }
}
