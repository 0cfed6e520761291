package dev.kedai.faults;

/**
 * An invariant that did not hold.
 *
 * @param invariant which one ({@code paid-not-fulfilled}, {@code dead-letters}, ...; docs/reliability.md lists them)
 * @param subject   what it is about (an order id, a topic, a product); one violation per subject is reported once
 * @param detail    what was seen
 */
record Violation(String invariant, String subject, String detail) {

    String key() {
        return invariant + " " + subject;
    }

    @Override
    public String toString() {
        return invariant + ": " + detail;
    }
}
