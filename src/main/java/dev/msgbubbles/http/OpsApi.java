package dev.msgbubbles.http;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Operational endpoints, outside {@code /v1} and without a key: {@code /healthz} (the process answers),
 * {@code /readyz} (the database answers and every migration is applied; 503 otherwise) and {@code /metrics}
 * (Prometheus text). Bind the server to a private interface or filter these at the proxy if they must not be
 * public.
 */
final class OpsApi {
    private final BooleanSupplier ready;
    private final PrometheusMeterRegistry metrics;

    OpsApi(BooleanSupplier ready, PrometheusMeterRegistry metrics) {
        this.ready = ready;
        this.metrics = metrics;
    }

    ApiResponse health(ApiRequest request) {
        return ApiResponse.ok(Map.of("status", "ok"));
    }

    ApiResponse readiness(ApiRequest request) {
        if (!ready.getAsBoolean()) {
            throw new ApiException(ErrorCode.UNAVAILABLE, "database unreachable or migrations pending");
        }
        return ApiResponse.ok(Map.of("status", "ready"));
    }

    ApiResponse scrape(ApiRequest request) {
        return new ApiResponse(200, new ApiResponse.Raw("text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape().getBytes(StandardCharsets.UTF_8)), Map.of());
    }
}
