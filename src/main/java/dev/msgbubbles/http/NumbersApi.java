package dev.msgbubbles.http;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.common.ChannelType;
import java.util.List;
import java.util.Locale;

/** {@code GET /v1/numbers}: the caller's numbers in the caller's mode. */
final class NumbersApi {

    /** The documented number object. */
    record NumberView(String handle, List<String> channels, String label, String status) {
        static NumberView of(AccountNumber n) {
            return new NumberView(n.handle(), n.channels().stream().map(ChannelType::wire).toList(), n.label(),
                    n.status().name().toLowerCase(Locale.ROOT));
        }
    }

    private final NumberDirectory numbers;

    NumbersApi(NumberDirectory numbers) {
        this.numbers = numbers;
    }

    ApiResponse list(ApiRequest request) {
        return ApiResponse.list(numbers.list(request.principal()).stream().map(NumberView::of).toList());
    }
}
