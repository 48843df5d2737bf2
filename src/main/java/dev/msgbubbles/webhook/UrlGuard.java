package dev.msgbubbles.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a webhook URL may be called: an absolute {@code http(s)} URL without credentials whose host
 * resolves only to public addresses. Refused: loopback, private (RFC 1918, unique local), link-local (which holds
 * the cloud metadata address 169.254.169.254), shared/CGNAT, multicast, unspecified, broadcast, reserved,
 * documentation and benchmarking ranges, in IPv4, IPv6 and every IPv6 form that embeds an IPv4 address
 * (mapped, compatible, NAT64, 6to4). Every resolved address must pass, so a name with one public and one
 * private address is refused. {@code allowPrivate} (local development and tests) skips the address checks.
 */
public final class UrlGuard {
    static final int MAX_LENGTH = 2048;

    /** Name resolution, replaceable in tests (nothing here reaches real DNS). */
    @FunctionalInterface
    public interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;
    }

    /** The verdict on a URL. */
    public sealed interface Verdict {
        record Allowed(URI uri) implements Verdict {
        }

        /** {@code reason} is safe to return to the caller. */
        record Refused(String reason) implements Verdict {
        }

        /**
         * The host did not resolve now, which says nothing of where it points: refused at registration; when a
         * delivery is due, a connection error like any other (retried), not a refusal (which drops it).
         */
        record Unresolved(String reason) implements Verdict {
        }
    }

    private final Resolver resolver;
    private final boolean allowPrivate;

    public UrlGuard(Resolver resolver, boolean allowPrivate) {
        this.resolver = resolver;
        this.allowPrivate = allowPrivate;
    }

    /** The system resolver. */
    public static Resolver systemResolver() {
        return host -> List.of(InetAddress.getAllByName(host));
    }

    public Verdict check(String url) {
        if (url == null || url.isBlank()) {
            return new Verdict.Refused("url is required");
        }
        if (url.length() > MAX_LENGTH) {
            return new Verdict.Refused("url is limited to " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return new Verdict.Refused("url is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("https") || scheme.equals("http"))) {
            return new Verdict.Refused("url must be an absolute http or https URL");
        }
        if (uri.getRawUserInfo() != null) {
            return new Verdict.Refused("url must not carry credentials");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            return new Verdict.Refused("url must name a host");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65_535) { // -1: none given, the scheme's
            return new Verdict.Refused("the port of url must be from 1 to 65535");
        }
        if (allowPrivate) {
            return new Verdict.Allowed(uri);
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(bare);
        } catch (UnknownHostException e) {
            return new Verdict.Unresolved("the host of url does not resolve");
        }
        if (addresses.isEmpty()) {
            return new Verdict.Unresolved("the host of url does not resolve");
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                return new Verdict.Refused("url must reach a public address; " + host
                        + " is loopback, private, link-local or otherwise not public");
            }
        }
        return new Verdict.Allowed(uri);
    }

    /**
     * The addresses to connect to for {@code host}, resolved now: every one must be public (unless private
     * addresses are allowed), or none is returned. Used when a delivery connects, so that what is checked is exactly
     * what is connected to, even if the name's answer changed since {@link #check} (DNS rebinding).
     */
    public List<InetAddress> connectable(String host) throws UnknownHostException {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        List<InetAddress> addresses = resolver.resolve(bare);
        if (addresses.isEmpty()) {
            throw new UnknownHostException(host + " does not resolve");
        }
        if (!allowPrivate) {
            for (InetAddress address : addresses) {
                if (!isPublic(address)) {
                    throw new UnknownHostException(host + " resolves to an address that is not public; not connecting");
                }
            }
        }
        return addresses;
    }

    /** True for globally routable unicast addresses only. */
    static boolean isPublic(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return isPublicV4(b);
        }
        if (!(address instanceof Inet6Address) || b.length != 16) {
            return false;
        }
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        if (allZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]}); // ::ffff:a.b.c.d (mapped)
        }
        if (allZero(b, 0, 12)) {
            return false; // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
        }
        if (first == 0x00 && second == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
            // 64:ff9b::/96 (NAT64, well-known) carries an IPv4 address; 64:ff9b:1::/48 is local-use
            return allZero(b, 4, 12) && isPublicV4(new byte[] {b[12], b[13], b[14], b[15]});
        }
        if (first == 0x20 && second == 0x02) {
            return isPublicV4(new byte[] {b[2], b[3], b[4], b[5]}); // 2002::/16 (6to4) carries an IPv4 address
        }
        if (first == 0x20 && second == 0x01 && (b[2] & 0xfe) == 0x00) {
            return false; // 2001::/23: IETF protocol assignments (Teredo 2001::/32 among them)
        }
        if (first == 0x20 && second == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
            return false; // 2001:db8::/32 documentation
        }
        if (first == 0x01 && second == 0x00 && allZero(b, 2, 8)) {
            return false; // 100::/64 discard-only
        }
        if ((first & 0xfe) == 0xfc) {
            return false; // fc00::/7 unique local (AWS metadata fd00:ec2::254 among them)
        }
        if (first == 0xfe && (second & 0xc0) == 0x80) {
            return false; // fe80::/10 link-local
        }
        if (first == 0xfe && (second & 0xc0) == 0xc0) {
            return false; // fec0::/10 site-local (deprecated)
        }
        if (first == 0xff) {
            return false; // multicast
        }
        return (first & 0xe0) == 0x20; // 2000::/3 is the only global unicast space
    }

    private static boolean isPublicV4(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        return !(a0 == 0                                   // 0.0.0.0/8 "this network", unspecified
                || a0 == 10                                // private
                || a0 == 100 && (a1 & 0xc0) == 64          // 100.64.0.0/10 shared (CGNAT; Alibaba metadata)
                || a0 == 127                               // loopback
                || a0 == 169 && a1 == 254                  // link-local (cloud metadata 169.254.169.254)
                || a0 == 172 && (a1 & 0xf0) == 16          // private
                || a0 == 192 && a1 == 0 && a2 == 0         // IETF protocol assignments (Oracle metadata 192.0.0.192)
                || a0 == 192 && a1 == 0 && a2 == 2         // documentation
                || a0 == 192 && a1 == 88 && a2 == 99       // 6to4 relay anycast
                || a0 == 192 && a1 == 168                  // private
                || a0 == 198 && (a1 & 0xfe) == 18          // 198.18.0.0/15 benchmarking
                || a0 == 198 && a1 == 51 && a2 == 100      // documentation
                || a0 == 203 && a1 == 0 && a2 == 113       // documentation
                || a0 >= 224);                             // multicast, reserved, broadcast
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
