package dev.msgbubbles.message;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code msgbubbles_sends_total{outcome}}: the runs of send jobs in this process, by what the worker recorded of
 * them, each counted once its record has committed (a run that threw: once it is left to the worker's retry). {@code sent}: the backend accepted the message; {@code retrying}:
 * it will be tried again (the backend said to retry later, the number is offline, the server's storage is full for
 * its media, or the run threw), within the message's retry window; {@code failed}: the message failed for good (a
 * refusal, an unreachable recipient, the window over). A run that falls back from iMessage to SMS counts once, as
 * what came of the SMS. Runs that record no outcome are not counted: a paced send waiting for its number's slot, a
 * scheduled message joining its thread, a job whose message was already decided. One counter per outcome,
 * registered up front: a send adds one increment, nothing looked up.
 */
final class SendOutcomes {
    private final Counter sent;
    private final Counter retrying;
    private final Counter failed;

    SendOutcomes(MeterRegistry registry) {
        this.sent = counter(registry, "sent");
        this.retrying = counter(registry, "retrying");
        this.failed = counter(registry, "failed");
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("msgbubbles.sends").description("send attempts by what the worker recorded of them")
                .tag("outcome", outcome).register(registry);
    }

    void sent() {
        sent.increment();
    }

    void retrying() {
        retrying.increment();
    }

    void failed() {
        failed.increment();
    }
}
