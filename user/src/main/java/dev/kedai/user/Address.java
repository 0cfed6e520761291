package dev.kedai.user;

/** A delivery address of one user; {@code country} is ISO 3166-1 alpha-2. */
public record Address(String addressId, String label, String recipient, String line1, String city, String postalCode,
                      String country) {
}
