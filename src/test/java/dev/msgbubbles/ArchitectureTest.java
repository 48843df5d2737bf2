package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Reads the imports of every main source file and enforces the package rules of ARCHITECTURE.md: which of our
 * packages each feature may use, and which third-party frameworks stay confined to one edge.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/dev/msgbubbles");
    private static final Pattern PACKAGE = Pattern.compile("^package dev\\.msgbubbles(?:\\.([a-z.]+))?;", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)(?:\\.\\*)?;", Pattern.MULTILINE);
    private static final Pattern OURS_INLINE = Pattern.compile("\\bdev\\.msgbubbles\\.([a-z]+)\\.[A-Z]");

    /** Our packages each package may import ("" is the root: Main and App, the composition root). */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("common", Set.of()),
            Map.entry("config", Set.of("common")),
            Map.entry("db", Set.of("config", "common")),
            Map.entry("account", Set.of("db", "common")),
            Map.entry("idempotency", Set.of("queue", "db", "common")),
            Map.entry("ratelimit", Set.of("common")),
            Map.entry("queue", Set.of("db", "common")),
            Map.entry("event", Set.of("queue", "db", "common")),
            Map.entry("channel", Set.of("common")),
            Map.entry("chat", Set.of("db", "common")),
            Map.entry("attachment", Set.of("queue", "db", "common")),
            Map.entry("message", Set.of("account", "attachment", "chat", "channel", "event", "idempotency", "queue", "db", "common")),
            Map.entry("webhook", Set.of("account", "event", "idempotency", "queue", "db", "common")),
            Map.entry("http", Set.of("account", "attachment", "chat", "message", "webhook", "event", "idempotency", "ratelimit", "db", "config", "common")),
            Map.entry("cli", Set.of("", "account", "db", "config", "common")));

    /** Third-party packages allowed only in the listed packages of ours. */
    private static final Map<String, Set<String>> CONFINED = Map.ofEntries(
            Map.entry("io.helidon", Set.of("http")),
            Map.entry("org.apache.hc", Set.of("webhook")),
            Map.entry("picocli", Set.of("cli", "")),
            Map.entry("com.zaxxer.hikari", Set.of("db")),
            Map.entry("org.flywaydb", Set.of("db")),
            Map.entry("org.sqlite", Set.of("db")),
            Map.entry("org.postgresql", Set.of("db")),
            Map.entry("org.jdbi", Set.of("db", "account", "idempotency", "queue", "event", "chat", "attachment", "message", "webhook")),
            Map.entry("org.apache.tika", Set.of("attachment")),
            Map.entry("io.github.bucket4j", Set.of("ratelimit")),
            Map.entry("com.google.i18n.phonenumbers", Set.of("common")));

    record Source(Path path, String pkg, List<String> imports, String text) {
    }

    private static List<Source> sources() throws IOException {
        List<Source> result = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(file);
                Matcher pkg = PACKAGE.matcher(text);
                assertThat(pkg.find()).as("package declaration in %s", file).isTrue();
                List<String> imports = new ArrayList<>();
                Matcher m = IMPORT.matcher(text);
                while (m.find()) {
                    imports.add(m.group(1));
                }
                result.add(new Source(file, pkg.group(1) == null ? "" : pkg.group(1), imports, text));
            }
        }
        return result;
    }

    /** The top-level feature a (sub)package belongs to: {@code channel.sandbox} → {@code channel}. */
    private static String feature(String pkg) {
        int dot = pkg.indexOf('.');
        return dot < 0 ? pkg : pkg.substring(0, dot);
    }

    @Test
    void every_package_imports_only_the_packages_its_role_allows() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Source source : sources()) {
            String from = feature(source.pkg());
            if (from.isEmpty()) {
                continue; // the composition root may wire anything
            }
            Set<String> allowed = ALLOWED.get(from);
            assertThat(allowed).as("package %s has no rule in ArchitectureTest; add one", from).isNotNull();
            Set<String> used = new java.util.TreeSet<>();
            for (String imported : source.imports()) {
                if (imported.startsWith("dev.msgbubbles.")) {
                    String first = imported.substring("dev.msgbubbles.".length()).split("\\.")[0];
                    used.add(Character.isUpperCase(first.charAt(0)) ? "" : first);
                }
            }
            Matcher inline = OURS_INLINE.matcher(source.text());
            while (inline.find()) {
                used.add(inline.group(1));
            }
            for (String to : used) {
                if (!to.equals(from) && !allowed.contains(to)) {
                    violations.add(source.path() + ": " + from + " must not use " + (to.isEmpty() ? "the root package" : to));
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void frameworks_stay_inside_their_edge() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Source source : sources()) {
            String from = feature(source.pkg());
            for (String imported : source.imports()) {
                CONFINED.forEach((framework, owners) -> {
                    if (imported.startsWith(framework + ".") && !owners.contains(from)) {
                        violations.add(source.path() + ": " + imported + " belongs in " + owners);
                    }
                });
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void every_package_says_its_role_in_package_info() throws IOException {
        List<Path> missing = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(MAIN)) {
            for (Path dir : dirs.filter(Files::isDirectory).filter(d -> !d.equals(MAIN)).toList()) {
                boolean hasSources;
                try (Stream<Path> files = Files.list(dir)) {
                    hasSources = files.anyMatch(p -> p.toString().endsWith(".java"));
                }
                Path info = dir.resolve("package-info.java");
                if (hasSources && (!Files.exists(info) || !Files.readString(info).contains("/**"))) {
                    missing.add(dir);
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void the_rules_would_catch_a_forbidden_import() {
        // Guards the test itself: the import parser must see imports of ours and of frameworks.
        Matcher m = IMPORT.matcher("package dev.msgbubbles.common;\nimport io.helidon.http.Status;\nimport dev.msgbubbles.db.Database;\n");
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        assertThat(found).containsExactly("io.helidon.http.Status", "dev.msgbubbles.db.Database");
        assertThat(ALLOWED.get("common")).doesNotContain("db");
        assertThat(CONFINED.get("io.helidon")).doesNotContain("common");
    }
}
