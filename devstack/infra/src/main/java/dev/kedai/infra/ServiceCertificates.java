package dev.kedai.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.regex.Pattern;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A private CA for the gRPC identities of a local stack or a test run, and a certificate per
 * service signed by it: what cert-manager makes in a cluster. Each service's certificate names it
 * as {@code spiffe://kedai/<service>} (its identity to the peers it calls) and carries
 * {@code localhost} and {@code 127.0.0.1} (the host names its callers dial here), for both server
 * and client use. EC P-256 keys, PEM files: {@code ca.pem}, {@code <service>.pem},
 * {@code <service>.key} (PKCS#8), readable by the owner only.
 *
 * <pre>{@code
 * ServiceCertificates certs = ServiceCertificates.create(dir);
 * Map<String, String> config = certs.issue("stock").config();   // grpc.tls.cert/key/ca
 * }</pre>
 */
public final class ServiceCertificates {

    /** The URI prefix of a service's name in its certificate (as the platform's ServiceIdentity reads it). */
    public static final String URI_PREFIX = "spiffe://kedai/";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,40}");
    private static final Duration VALIDITY = Duration.ofDays(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final KeyPair caKeys;
    private final X509Certificate ca;

    private ServiceCertificates(Path dir, KeyPair caKeys, X509Certificate ca) {
        this.dir = dir;
        this.caKeys = caKeys;
        this.ca = ca;
    }

    /** A new CA in {@code dir} ({@code ca.pem}); its key stays in memory only. */
    public static ServiceCertificates create(Path dir) {
        return create(dir, "Kedai development CA");
    }

    /** A new CA with this common name (tests make a second, untrusted one). */
    public static ServiceCertificates create(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            KeyPair keys = ecKeys();
            X500Name subject = new X500Name("CN=" + name);
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false,
                           new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate ca = sign(b, keys.getPrivate());
            write(dir.resolve("ca.pem"), pem("CERTIFICATE", ca.getEncoded()));
            return new ServiceCertificates(dir, keys, ca);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a CA", e);
        }
    }

    /** The CA's certificate file. */
    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** A certificate and key for {@code service}, written beside the CA (again on each call, with a new key). */
    public Identity issue(String service) {
        if (!NAME.matcher(service).matches()) {
            throw new IllegalArgumentException("not a service name: " + service);
        }
        try {
            KeyPair keys = ecKeys();
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)),
                    new X500Name("CN=" + service), keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                           new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.uniformResourceIdentifier, URI_PREFIX + service),
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            X509Certificate certificate = sign(b, caKeys.getPrivate());
            Path cert = dir.resolve(service + ".pem");
            Path key = dir.resolve(service + ".key");
            write(cert, pem("CERTIFICATE", certificate.getEncoded()));
            write(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
            return new Identity(service, cert, key, caFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the certificate of " + service, e);
        }
    }

    /**
     * One service's files.
     *
     * @param service its name
     * @param cert    its certificate (PEM)
     * @param key     its private key (PEM, PKCS#8)
     * @param ca      the CA certificate it trusts (PEM)
     */
    public record Identity(String service, Path cert, Path key, Path ca) {
        /** As the service's configuration: {@code grpc.tls.cert}, {@code grpc.tls.key}, {@code grpc.tls.ca}. */
        public Map<String, String> config() {
            return Map.of("grpc.tls.cert", cert.toString(), "grpc.tls.key", key.toString(), "grpc.tls.ca", ca.toString());
        }
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuer)
            throws OperatorCreationException, GeneralSecurityException, CertIOException {
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer)));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: its default permissions apply
        }
        // replaced at once, so a service reading it again never sees half a file
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
