package dev.kedai.product;

public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
    }
}
