package dev.msgbubbles.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@code msgbubbles_webhook_deliveries_total{outcome}}: attempts by what came of them (succeeded, retrying,
 * failed, dropped); {@code msgbubbles_webhook_attempt_seconds}: how long endpoints took to answer. The backlog age
 * gauge is {@link DeliveryPipeline#backlogAge}, read with the other queues' at a scrape.
 */
final class DeliveryMetrics {
    enum Outcome { SUCCEEDED, RETRYING, FAILED, DROPPED }

    private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
    private final Timer latency;

    DeliveryMetrics(MeterRegistry registry) {
        for (Outcome outcome : Outcome.values()) {
            outcomes.put(outcome, Counter.builder("msgbubbles.webhook.deliveries")
                    .description("webhook delivery attempts by outcome")
                    .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT)).register(registry));
        }
        latency = Timer.builder("msgbubbles.webhook.attempt")
                .description("time from sending a webhook delivery to its answer (or timeout)")
                .publishPercentileHistogram().register(registry);
    }

    void outcome(Outcome outcome) {
        outcomes.get(outcome).increment();
    }

    void latency(Duration took) {
        latency.record(took);
    }
}
