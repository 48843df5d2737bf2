package dev.msgbubbles.http;

import java.util.List;
import java.util.Set;

/** The route table: every route the server answers, in one place. */
final class ApiRoutes {
    private ApiRoutes() {
    }

    static List<Route> all(ApiServices services) {
        NumbersApi numbers = new NumbersApi(services.numbers());
        OpsApi ops = new OpsApi(services.ready(), services.metrics());
        return List.of(
                Route.ops("GET", "/healthz", ops::health),
                Route.ops("GET", "/readyz", ops::readiness),
                Route.ops("GET", "/metrics", ops::scrape),
                Route.api("GET", "/v1/numbers", Set.of(), numbers::list));
    }
}
