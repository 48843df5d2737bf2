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
        MessagesApi messages = new MessagesApi(services.features().messaging(), services.features().wakeWorkers());
        ChatsApi chats = new ChatsApi(services.features().chats(), services.features().messaging(),
                services.features().wakeWorkers());
        SandboxApi sandbox = new SandboxApi(services.features().messaging().sandbox());
        WebhooksApi webhooks = new WebhooksApi(services.features().webhooks(), services.features().deliveries());
        EventsApi events = new EventsApi(services.features().events(), services.authenticator()::stillValid);
        AttachmentsApi attachments = new AttachmentsApi(services.features().attachments());
        return List.of(
                Route.ops("GET", "/healthz", ops::health),
                Route.ops("GET", "/readyz", ops::readiness),
                Route.ops("GET", "/metrics", ops::scrape),
                Route.api("GET", "/v1/numbers", Set.of(), numbers::list),
                Route.api("POST", "/v1/messages", Set.of(), messages::send),
                Route.api("GET", "/v1/messages", MessagesApi.LIST_QUERY, messages::list),
                Route.api("GET", "/v1/messages/{id}", Set.of(), messages::get),
                Route.api("DELETE", "/v1/messages/{id}", Set.of(), messages::cancel),
                Route.api("POST", "/v1/messages/{id}/react", Set.of(), messages::react),
                Route.api("POST", "/v1/messages/{id}/edit", Set.of(), messages::edit),
                Route.api("POST", "/v1/messages/{id}/unsend", Set.of(), messages::unsend),
                Route.api("POST", "/v1/messages/{id}/retry", Set.of(), messages::retry),
                Route.api("GET", "/v1/handles/availability", Set.of("handle"), messages::availability),
                Route.api("POST", "/v1/sandbox/inbound", Set.of(), sandbox::inbound),
                Route.api("POST", "/v1/sandbox/typing", Set.of(), sandbox::typing),
                Route.api("GET", "/v1/chats", ChatsApi.LIST_QUERY, chats::list),
                Route.api("GET", "/v1/chats/{id}", Set.of(), chats::get),
                Route.api("POST", "/v1/chats", Set.of(), chats::create),
                Route.api("PATCH", "/v1/chats/{id}", Set.of(), chats::rename),
                Route.api("POST", "/v1/chats/{id}/participants", Set.of(), chats::addParticipant),
                Route.api("DELETE", "/v1/chats/{id}/participants/{handle}", Set.of(), chats::removeParticipant),
                Route.api("POST", "/v1/chats/{id}/read", Set.of(), chats::read),
                Route.api("POST", "/v1/chats/{id}/typing", Set.of(), chats::typing),
                Route.api("POST", "/v1/webhooks", Set.of(), webhooks::create),
                Route.api("GET", "/v1/webhooks", WebhooksApi.LIST_QUERY, webhooks::list),
                Route.api("GET", "/v1/webhooks/{id}", Set.of(), webhooks::get),
                Route.api("PATCH", "/v1/webhooks/{id}", Set.of(), webhooks::change),
                Route.api("DELETE", "/v1/webhooks/{id}", Set.of(), webhooks::delete),
                Route.api("POST", "/v1/webhooks/{id}/rotate-secret", Set.of(), webhooks::rotateSecret),
                Route.api("GET", "/v1/webhooks/{id}/deliveries", WebhooksApi.LIST_QUERY, webhooks::deliveries),
                Route.api("GET", "/v1/webhooks/{id}/deliveries/{delivery_id}", Set.of(), webhooks::delivery),
                Route.api("POST", "/v1/webhooks/{id}/deliveries/{delivery_id}/retry", Set.of(), webhooks::retryDelivery),
                Route.api("POST", "/v1/webhooks/{id}/replay", Set.of(), webhooks::replay),
                Route.api("POST", "/v1/webhooks/{id}/test", Set.of(), webhooks::test),
                Route.api("POST", "/v1/attachments", Set.of(), attachments::upload).asUpload(),
                Route.api("POST", "/v1/attachments/presign", Set.of(), attachments::presign),
                Route.api("GET", "/v1/attachments/{id}", Set.of(), attachments::get),
                Route.signed("GET", "/media/attachments/{id}", AttachmentsApi.SIGNED_QUERY, attachments::download),
                Route.signed("HEAD", "/media/attachments/{id}", AttachmentsApi.SIGNED_QUERY, attachments::head),
                Route.signed("PUT", "/media/uploads/{id}", AttachmentsApi.SIGNED_QUERY, attachments::receive).asUpload(),
                Route.api("GET", "/v1/events", EventsApi.QUERY, events::list),
                Route.api("GET", "/v1/events/stream", EventsApi.STREAM_QUERY, events::stream));
    }
}
