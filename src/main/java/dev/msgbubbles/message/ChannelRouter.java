package dev.msgbubbles.message;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.channel.ActionResult;
import dev.msgbubbles.channel.Channel;
import dev.msgbubbles.channel.ChatAction;
import dev.msgbubbles.channel.MessageAction;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.common.Mode;
import java.util.Map;

/**
 * Which backend carries a number: test-mode numbers always use the sandbox network; live numbers use their
 * provider. Providers whose connector is not in this build refuse sends with {@code provider_unavailable}
 * instead of pretending to deliver.
 */
public final class ChannelRouter {
    private final Channel sandbox;
    private final Map<Provider, Channel> connectors;

    public ChannelRouter(Channel sandbox, Map<Provider, Channel> connectors) {
        this.sandbox = sandbox;
        this.connectors = Map.copyOf(connectors);
    }

    Channel forNumber(AccountNumber number) {
        if (usesSandbox(number)) {
            return sandbox;
        }
        return connectors.getOrDefault(number.provider(), new Missing(number.provider()));
    }

    static boolean usesSandbox(AccountNumber number) {
        return number.mode() == Mode.TEST || number.provider() == Provider.SANDBOX;
    }

    /** A provider without a connector in this build. */
    private record Missing(Provider provider) implements Channel {
        @Override
        public SendResult send(OutboundMessage message) {
            return new SendResult.Rejected("provider_unavailable",
                    "the " + provider.wire() + " connector is not available in this server build");
        }

        @Override
        public ActionResult act(MessageAction action) {
            return unavailable();
        }

        @Override
        public ActionResult control(ChatAction action) {
            return unavailable();
        }

        private ActionResult unavailable() {
            return new ActionResult.Rejected("provider_unavailable",
                    "the " + provider.wire() + " connector is not available in this server build");
        }

        @Override
        public boolean onIMessage(String handle) {
            return false;
        }
    }
}
