package dev.msgbubbles.http;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;

/** {@code GET /v1/numbers}: the caller's numbers in the caller's mode. */
final class NumbersApi {

    private final NumberDirectory numbers;

    NumbersApi(NumberDirectory numbers) {
        this.numbers = numbers;
    }

    ApiResponse list(ApiRequest request) {
        return ApiResponse.list(numbers.list(request.principal()).stream().map(AccountNumber::view).toList());
    }
}
