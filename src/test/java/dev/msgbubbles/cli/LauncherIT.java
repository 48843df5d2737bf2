package dev.msgbubbles.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The launcher script {@code ./msgbubbles} on machines other than this one: its JDK discovery. */
@Timeout(60)
class LauncherIT {
    /**
     * A JDK that only prints {@code java.specification.version = VERSION}, as {@code java -XshowSettings:properties}
     * does (to stderr).
     */
    private static Path fakeJdk(Path dir, String version) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : new String[] {"java", "javac"}) {
            Path file = bin.resolve(tool);
            Files.writeString(file, "#!/bin/sh\necho '    java.specification.version = " + version + "' >&2\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir;
    }

    /** An old JDK at JAVA_HOME (Java 8 calls itself 1.8) is passed over quietly, not with a shell syntax error. */
    @Test
    void a_java_8_at_java_home_is_passed_over_without_a_shell_error(@TempDir Path dir) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", Path.of("msgbubbles").toAbsolutePath().toString(), "--help");
        builder.environment().put("JAVA_HOME", fakeJdk(dir, "1.8").toString());
        Process process = builder.start();
        process.getOutputStream().close();
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        String err = read(process.getErrorStream());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        out.join();
        assertThat(err).doesNotContain("syntax error").doesNotContain("line ");
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
