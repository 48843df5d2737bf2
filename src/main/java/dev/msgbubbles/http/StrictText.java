package dev.msgbubbles.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.util.Optional;

/**
 * Text from bytes a client sent, decoded without repair: a malformed sequence makes no text at all, where the JDK's
 * {@code new String(bytes, charset)} would put U+FFFD in its place and Jackson would decode overlong UTF-8. For
 * UTF-8 that means RFC 3629 exactly: no overlong forms, no surrogates encoded on their own, nothing past U+10FFFF.
 */
final class StrictText {
    private StrictText() {
    }

    /** {@code length} bytes of {@code bytes} from {@code offset} as {@code charset}; empty when they are not. */
    static Optional<String> decode(byte[] bytes, int offset, int length, Charset charset) {
        try {
            return Optional.of(charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
