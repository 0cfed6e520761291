package dev.kedai.auth;

public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
    }
}
