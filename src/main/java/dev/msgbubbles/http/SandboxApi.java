package dev.msgbubbles.http;

import dev.msgbubbles.message.SandboxContacts;
import java.util.List;
import java.util.Map;

/** {@code /v1/sandbox/*}: test-mode helpers that play the part of a contact. */
final class SandboxApi {
    record InboundBody(String from, String toHandle, java.util.UUID conversationId, String text, List<String> attachmentIds) {
    }

    record TypingBody(String from, String toHandle, java.util.UUID conversationId, Boolean typing) {
    }

    private final SandboxContacts contacts;

    SandboxApi(SandboxContacts contacts) {
        this.contacts = contacts;
    }

    ApiResponse inbound(ApiRequest request) {
        InboundBody body = request.json(InboundBody.class);
        return contacts.inbound(request.principal(), body.from(), body.toHandle(), body.conversationId(), body.text(),
                        body.attachmentIds())
                .map(message -> ApiResponse.status(202, (Object) message))
                .orElseGet(() -> ApiResponse.status(202, Map.of("suppressed", true, "reason", "one_time_passcode")));
    }

    ApiResponse typing(ApiRequest request) {
        TypingBody body = request.json(TypingBody.class);
        return ApiResponse.status(202, contacts.typing(request.principal(), body.from(), body.toHandle(), body.conversationId(),
                body.typing()));
    }
}
