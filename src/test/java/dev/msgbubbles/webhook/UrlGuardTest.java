package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class UrlGuardTest {
    /** A resolver with a fixed table: nothing reaches real DNS. */
    private static final Map<String, List<String>> NAMES = Map.of(
            "hooks.example.com", List.of("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"),
            "sneaky.example.com", List.of("93.184.216.34", "10.0.0.7"),
            "loopback.example.com", List.of("127.0.0.1"),
            "metadata.example.com", List.of("169.254.169.254"));
    private static final UrlGuard.Resolver RESOLVER = host -> {
        List<String> addresses = NAMES.get(host);
        if (addresses == null) {
            if (host.matches("[0-9.]+|.*:.*")) {
                return List.of(InetAddress.getByName(host)); // literals resolve to themselves
            }
            throw new UnknownHostException(host);
        }
        return addresses.stream().map(a -> {
            try {
                return InetAddress.getByName(a);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    };
    private final UrlGuard guard = new UrlGuard(RESOLVER, false);

    private static boolean publicAddress(String literal) throws UnknownHostException {
        return UrlGuard.isPublic(InetAddress.getByName(literal));
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.15.255.255",
            "172.32.0.1", "192.169.0.1", "198.20.0.1", "223.255.255.254", "2606:2800:220:1:248:1893:25c8:1946",
            "2001:4860:4860::8888", "2002:5db8:d822::1", "64:ff9b::5db8:d822"})
    void public_unicast_addresses_pass(String address) throws UnknownHostException {
        assertThat(publicAddress(address)).as(address).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "127.0.0.1", "127.255.255.254",                  // loopback
            "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", // private
            "169.254.0.1", "169.254.169.254",                // link-local, cloud metadata
            "100.64.0.1", "100.127.255.255", "100.100.100.200", // shared / CGNAT (Alibaba metadata)
            "0.0.0.0", "0.1.2.3",                            // unspecified, "this network"
            "224.0.0.1", "239.255.255.255",                  // multicast
            "240.0.0.1", "255.255.255.255",                  // reserved, broadcast
            "192.0.0.192", "192.0.2.1", "198.51.100.1", "203.0.113.1", "198.18.0.1", "192.88.99.1",
            "::", "::1",                                     // IPv6 unspecified, loopback
            "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", // IPv4-mapped
            "::127.0.0.1", "::10.0.0.1",                     // IPv4-compatible (deprecated)
            "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b:1::1", // NAT64 embedding private; local-use NAT64
            "2002:7f00:1::1", "2002:a00:1::1",               // 6to4 embedding loopback / private
            "fc00::1", "fd00:ec2::254",                      // unique local (AWS metadata)
            "fe80::1", "febf::1", "fec0::1",                 // link-local, site-local
            "ff02::1", "ff05::1:3",                          // multicast
            "2001::1", "2001:db8::1", "100::1",              // Teredo/IETF, documentation, discard
            "::ffff:0.0.0.0"})
    void private_and_special_addresses_are_refused(String address) throws UnknownHostException {
        assertThat(publicAddress(address)).as(address).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://hooks.example.com/msgbubbles", "http://hooks.example.com:8080/a?b=c",
            "https://93.184.216.34/hook", "https://[2606:2800:220:1:248:1893:25c8:1946]/hook", "HTTPS://hooks.example.com"})
    void public_http_and_https_urls_are_allowed(String url) {
        assertThat(guard.check(url)).isInstanceOf(UrlGuard.Verdict.Allowed.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://localhost/hook", "https://127.0.0.1/hook", "http://10.1.2.3/", "http://192.168.0.10/",
            "http://169.254.169.254/latest/meta-data/", "https://[::1]/", "https://[fe80::1]/", "https://[fc00::1]/",
            "https://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "https://loopback.example.com/", "https://metadata.example.com/",
            "https://sneaky.example.com/", "http://100.64.0.1/", "http://224.0.0.1/"})
    void urls_reaching_private_or_special_addresses_are_refused(String url) {
        UrlGuard real = new UrlGuard(host -> host.equals("localhost") ? List.of(InetAddress.getLoopbackAddress())
                : RESOLVER.resolve(host), false);
        assertThat(real.check(url)).as(url).isInstanceOfSatisfying(UrlGuard.Verdict.Refused.class,
                refused -> assertThat(refused.reason()).contains("public address"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "hooks.example.com/x", "ftp://hooks.example.com/", "file:///etc/passwd",
            "javascript:alert(1)", "https://", "https://user:pass@hooks.example.com/", "https://exa mple.com/",
            "/relative/path", "http://93.184.216.34:65536/", "http://93.184.216.34:99999/",
            "https://93.184.216.34:0/"})
    void malformed_or_non_http_urls_are_refused(String url) {
        assertThat(guard.check(url)).as(url).isInstanceOf(UrlGuard.Verdict.Refused.class);
    }

    @Test
    void a_host_that_does_not_resolve_is_unresolved_not_refused() {
        assertThat(guard.check("https://nowhere.example.com/")).isInstanceOf(UrlGuard.Verdict.Unresolved.class);
    }

    @Test
    void a_url_longer_than_2048_characters_is_refused() {
        assertThat(guard.check("https://hooks.example.com/" + "a".repeat(2048))).isInstanceOf(UrlGuard.Verdict.Refused.class);
    }

    @Test
    void allow_private_lets_local_development_urls_through_but_still_checks_the_shape() {
        UrlGuard development = new UrlGuard(host -> {
            throw new UnknownHostException("never asked");
        }, true);
        assertThat(development.check("http://127.0.0.1:9000/hook")).isInstanceOf(UrlGuard.Verdict.Allowed.class);
        assertThat(development.check("http://localhost/hook")).isInstanceOf(UrlGuard.Verdict.Allowed.class);
        assertThat(development.check("ftp://localhost/hook")).isInstanceOf(UrlGuard.Verdict.Refused.class);
    }
}
