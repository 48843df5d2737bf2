package dev.msgbubbles.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Matches a method and decoded path segments against the route table: found, wrong method (405) or none (404). */
final class Router {

    sealed interface Match {
    }

    record Found(Route route, Map<String, String> params) implements Match {
    }

    /**
     * The path is served, not with this method. {@code template}: the first route (in table order) whose path it
     * matched, for the access log and the request metrics; {@code allow}: the methods it is served with.
     */
    record WrongMethod(String template, String allow) implements Match {
    }

    record NotFound() implements Match {
    }

    private final List<Route> routes;
    private final List<List<String>> segments = new ArrayList<>();

    Router(List<Route> routes) {
        this.routes = List.copyOf(routes);
        for (Route route : this.routes) {
            segments.add(route.segments());
        }
    }

    List<Route> routes() {
        return routes;
    }

    /**
     * The route of {@code method} on {@code path}. {@code HEAD} is served wherever {@code GET} is (RFC 9110 §9.1): a
     * path without a {@code HEAD} route of its own is answered by its {@code GET} route (the caller sends no body), and
     * {@code HEAD} is listed in a 405's {@code Allow} beside every {@code GET}.
     */
    Match match(String method, List<String> path) {
        TreeSet<String> allowed = new TreeSet<>();
        Found get = null;
        String template = null;
        for (int i = 0; i < routes.size(); i++) {
            Map<String, String> params = bind(segments.get(i), path);
            if (params == null) {
                continue;
            }
            Route route = routes.get(i);
            if (route.method().equals(method)) {
                return new Found(route, params);
            }
            template = template == null ? route.template() : template;
            if (route.method().equals("GET")) {
                get = get == null ? new Found(route, params) : get;
                allowed.add("HEAD");
            }
            allowed.add(route.method());
        }
        if (get != null && method.equals("HEAD")) {
            return get;
        }
        return allowed.isEmpty() ? new NotFound() : new WrongMethod(template, String.join(", ", allowed));
    }

    private static Map<String, String> bind(List<String> template, List<String> path) {
        if (template.size() != path.size()) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String expected = template.get(i);
            String actual = path.get(i);
            if (expected.startsWith("{") && expected.endsWith("}")) {
                if (actual.isEmpty()) {
                    return null;
                }
                params.put(expected.substring(1, expected.length() - 1), actual);
            } else if (!expected.equals(actual)) {
                return null;
            }
        }
        return params;
    }
}
