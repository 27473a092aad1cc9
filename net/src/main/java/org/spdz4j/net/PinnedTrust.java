package org.spdz4j.net;

import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Map;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.spdz4j.core.transport.Role;

/**
 * Trusts exactly the pinned certificates (SHA-256 fingerprints), and says which one it got when
 * it refuses: a client dialing a role trusts that role's pin only; a server trusts any pinned
 * peer (the HELLO then has to name the role the certificate is pinned for).
 */
final class PinnedTrust extends SimpleTrustManagerFactory {
    private final X509TrustManager manager;

    private PinnedTrust(X509TrustManager manager) {
        this.manager = manager;
    }

    /** For dialing {@code peer}: only its pinned certificate. */
    static PinnedTrust dialing(Role peer, String pinned) {
        return new PinnedTrust(new Manager() {
            @Override
            void check(String presented) throws CertificateException {
                if (!presented.equals(pinned)) {
                    throw new CertificateException(peer + " presented certificate " + presented
                            + " but the configuration pins " + pinned + " for " + peer);
                }
            }
        });
    }

    /** For accepting any of {@code pins}. */
    static PinnedTrust accepting(Map<Role, String> pins) {
        Collection<String> known = pins.values();
        return new PinnedTrust(new Manager() {
            @Override
            void check(String presented) throws CertificateException {
                if (!known.contains(presented)) {
                    throw new CertificateException("the peer presented certificate " + presented + ", which is not pinned for "
                            + "any peer (the configuration pins " + pins + ")");
                }
            }
        });
    }

    private abstract static class Manager implements X509TrustManager {
        abstract void check(String presentedFingerprint) throws CertificateException;

        private void checkChain(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the peer presented no certificate");
            }
            check(TlsIdentity.fingerprint(chain[0]));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            checkChain(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            checkChain(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @Override
    protected void engineInit(KeyStore keyStore) {
    }

    @Override
    protected void engineInit(ManagerFactoryParameters parameters) {
    }

    @Override
    protected TrustManager[] engineGetTrustManagers() {
        return new TrustManager[]{manager};
    }
}
