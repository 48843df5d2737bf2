package dev.msgbubbles.http;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Operational endpoints, outside {@code /v1} and without a key: {@code /healthz} (the process answers),
 * {@code /readyz} (the database answers, every migration is applied and the server is not stopping; 503
 * otherwise, saying which) and {@code /metrics}
 * (Prometheus text). Bind the server to a private interface or filter these at the proxy if they must not be
 * public.
 */
final class OpsApi {
    private final Readiness ready;
    private final PrometheusMeterRegistry metrics;

    OpsApi(Readiness ready, PrometheusMeterRegistry metrics) {
        this.ready = ready;
        this.metrics = metrics;
    }

    ApiResponse health(ApiRequest request) {
        return ApiResponse.ok(Map.of("status", "ok"));
    }

    ApiResponse readiness(ApiRequest request) {
        ready.notReady().ifPresent(why -> {
            throw new ApiException(ErrorCode.UNAVAILABLE, why);
        });
        return ApiResponse.ok(Map.of("status", "ready"));
    }

    ApiResponse scrape(ApiRequest request) {
        return new ApiResponse(200, new ApiResponse.Raw("text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape().getBytes(StandardCharsets.UTF_8)), Map.of());
    }
}
