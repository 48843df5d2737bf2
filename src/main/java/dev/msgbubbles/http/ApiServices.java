package dev.msgbubbles.http;

import dev.msgbubbles.account.Authenticator;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.chat.Chats;
import dev.msgbubbles.event.Events;
import dev.msgbubbles.message.Messaging;
import dev.msgbubbles.webhook.Deliveries;
import dev.msgbubbles.webhook.Webhooks;
import dev.msgbubbles.ratelimit.RateLimiter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** Everything the HTTP edge calls, handed over by the composition root. */
public record ApiServices(Authenticator authenticator, RateLimiter rateLimiter, NumberDirectory numbers,
                          Readiness ready, PrometheusMeterRegistry metrics, Features features) {

    /** The feature use cases. {@code wakeWorkers} tells local workers that new jobs were committed. */
    public record Features(Messaging messaging, Chats chats, Webhooks webhooks, Deliveries deliveries, Events events,
                           Attachments attachments, Runnable wakeWorkers) {
    }
}
