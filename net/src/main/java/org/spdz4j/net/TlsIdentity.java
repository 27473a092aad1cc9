package org.spdz4j.net;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Topology;

/**
 * One process's TLS identity (its key and self-signed certificate) and the SHA-256
 * fingerprints of the certificates it accepts for each other role. Only TLS 1.3, both sides
 * authenticated; a peer presenting any other certificate is refused. The TLS engine is
 * BoringSSL (netty-tcnative) where its native library loads, else the JDK's; the system
 * property {@code spdz4j.tls=jdk} picks the JDK's (see {@link #engine()}).
 *
 * <pre>{@code
 * TlsIdentity.Generated p0 = TlsIdentity.generate(Role.P0);
 * TlsIdentity id = new TlsIdentity(p0.key(), p0.certificate(), Map.of(Role.P1, fp1, Role.DEALER, fpD));
 * }</pre>
 */
public record TlsIdentity(PrivateKey key, X509Certificate certificate, Map<Role, String> pinned) {

    /** A fresh key pair and self-signed certificate. */
    public record Generated(PrivateKey key, X509Certificate certificate) {
        /** SHA-256 of the certificate, lower-case hex. */
        public String fingerprint() {
            return TlsIdentity.fingerprint(certificate);
        }

        /**
         * Writes {@code <dir>/<role>.key.pem} (PKCS#8, created owner-only, in a directory made
         * owner-only) and {@code <dir>/<role>.crt.pem}; refuses to replace either.
         */
        public void write(Path dir, Role role) throws IOException {
            write(dir, role, false);
        }

        /** As {@link #write(Path, Role)}; with {@code replace} an existing key and certificate are replaced. */
        public void write(Path dir, Role role, boolean replace) throws IOException {
            SecretFiles.directory(dir);
            Path keyFile = dir.resolve(role + ".key.pem");
            Path certFile = dir.resolve(role + ".crt.pem");
            for (Path f : new Path[]{keyFile, certFile}) {
                if (replace) {
                    Files.deleteIfExists(f);
                } else if (Files.exists(f)) {
                    throw new IOException(f + " exists: refusing to replace a key (keygen --force replaces it)");
                }
            }
            try (JcaPEMWriter w = new JcaPEMWriter(new OutputStreamWriter(SecretFiles.create(keyFile),
                    StandardCharsets.US_ASCII))) {
                w.writeObject(new JcaPKCS8Generator(key, null));
            }
            try (JcaPEMWriter w = new JcaPEMWriter(Files.newBufferedWriter(certFile, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE))) {
                w.writeObject(certificate);
            }
        }
    }

    /**
     * Reads the key and certificate {@link Generated#write} wrote for {@code role}, and checks
     * that the key is the certificate's: a mismatch would otherwise fail every TLS handshake
     * later. Every error names the file.
     */
    public static Generated read(Path dir, Role role) throws IOException {
        Path keyFile = dir.resolve(role + ".key.pem");
        Path certFile = dir.resolve(role + ".crt.pem");
        if (!(pem(keyFile) instanceof PrivateKeyInfo info)) {
            throw new IOException(keyFile + " holds no PKCS#8 private key");
        }
        if (!(pem(certFile) instanceof X509CertificateHolder holder)) {
            throw new IOException(certFile + " holds no X.509 certificate");
        }
        Generated g;
        try {
            g = new Generated(new JcaPEMKeyConverter().getPrivateKey(info),
                    new JcaX509CertificateConverter().getCertificate(holder));
        } catch (java.security.cert.CertificateException | org.bouncycastle.openssl.PEMException e) {
            throw new IOException(keyFile + " or " + certFile + " is unreadable: " + e.getMessage(), e);
        }
        if (!matches(g)) {
            throw new IOException("the key " + keyFile + " does not belong to the certificate " + certFile
                    + " (make them together with 'spdz keygen')");
        }
        return g;
    }

    private static Object pem(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist or is not a file (see 'spdz keygen')");
        }
        Object o;
        try (PEMParser p = new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
            o = p.readObject();
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a valid PEM file: " + e.getMessage(), e);
        }
        if (o == null) {
            throw new IOException(file + " holds no PEM object");
        }
        return o;
    }

    /** Whether the private key signs what the certificate's public key verifies. */
    private static boolean matches(Generated g) {
        try {
            byte[] probe = "spdz4j key check".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature sign = java.security.Signature.getInstance("SHA256withECDSA");
            sign.initSign(g.key());
            sign.update(probe);
            byte[] signature = sign.sign();
            java.security.Signature verify = java.security.Signature.getInstance("SHA256withECDSA");
            verify.initVerify(g.certificate().getPublicKey());
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * {@code self}'s identity for {@code topology}: its key and certificate read from
     * {@code dir} (as {@link Generated#write} wrote them), checked to be the certificate the
     * topology names for {@code self}, pinning each peer's fingerprint from the topology.
     */
    public static TlsIdentity load(Path dir, Role self, Topology topology) throws IOException {
        Generated mine = read(dir, self);
        String expected = topology.participant(self).fingerprint();
        if (!mine.fingerprint().equals(expected)) {
            throw new IOException("the certificate " + dir.resolve(self + ".crt.pem") + " (" + mine.fingerprint()
                    + ") is not the one the configuration names for " + self + " (" + expected + ")");
        }
        return new TlsIdentity(mine.key(), mine.certificate(), topology.pinsFor(self));
    }

    /** An EC P-256 key and a self-signed certificate for {@code role}, valid ten years (Bouncy Castle). */
    public static Generated generate(Role role) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair pair = g.generateKeyPair();
            X500Name name = new X500Name("CN=spdz4j " + role);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(3650))), name, pair.getPublic());
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer));
            return new Generated(pair.getPrivate(), cert);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot generate a key for " + role + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 of the DER encoding, lower-case hex. */
    public static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot fingerprint certificate", e);
        }
    }

    /** The system property that picks the TLS engine: {@code openssl} (the default where it loads) or {@code jdk}. */
    public static final String ENGINE_PROPERTY = "spdz4j.tls";

    /**
     * The TLS engine this process uses: {@code "openssl"} (BoringSSL through netty-tcnative,
     * faster at AES-GCM than the JDK's) where it loads and
     * {@value #ENGINE_PROPERTY} is not {@code jdk}; {@code "jdk"} otherwise. Either speaks the
     * same TLS 1.3, so processes using different engines talk to each other.
     *
     * @throws IllegalArgumentException when the property names another engine
     */
    public static String engine() {
        return provider() == SslProvider.OPENSSL ? "openssl" : "jdk";
    }

    private static SslProvider provider() {
        String wanted = System.getProperty(ENGINE_PROPERTY, "openssl");
        return switch (wanted) {
            case "jdk" -> SslProvider.JDK;
            case "openssl" -> OpenSsl.isAvailable() && SslProvider.isTlsv13Supported(SslProvider.OPENSSL) ? SslProvider.OPENSSL
                    : SslProvider.JDK;
            default -> throw new IllegalArgumentException(ENGINE_PROPERTY + "=" + wanted
                    + " names no TLS engine (openssl or jdk)");
        };
    }

    SslContext serverContext() {
        try {
            return SslContextBuilder.forServer(key, certificate).sslProvider(provider()).protocols("TLSv1.3")
                    .clientAuth(ClientAuth.REQUIRE)
                    .trustManager(PinnedTrust.accepting(pinned)).build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the TLS server context: " + e.getMessage(), e);
        }
    }

    /** For dialing {@code peer}: only the certificate pinned for it is trusted. */
    SslContext clientContext(Role peer) {
        String pin = pinned.get(peer);
        if (pin == null) {
            throw new IllegalStateException("no certificate is pinned for " + peer);
        }
        try {
            return SslContextBuilder.forClient().sslProvider(provider()).protocols("TLSv1.3")
                    .keyManager(key, certificate)
                    .trustManager(PinnedTrust.dialing(peer, pin)).build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the TLS client context: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "TlsIdentity[" + fingerprint(certificate) + ", key hidden]";
    }
}
